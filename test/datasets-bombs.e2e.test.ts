// The loader against gzip bombs: each is refused quickly, with the memory of a normal load. Measured
// in a child process (test/fixtures/datasets-bomb.ts), so that its peak memory is the loader's alone.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST, missing } from './helpers/requirements.js';

const run = promisify(execFile);

interface BombOutcome {
  ok: boolean;
  name?: string;
  message?: string;
  refusedMs: number;
  maxRssMB: number;
}

describe.skipIf(missing(FASHION_MNIST))('gzip bombs, measured in a child process', () => {
  const labels = 'train-labels-idx1-ubyte';
  const images = 'train-images-idx3-ubyte';
  const cases = [
    // The bomb: a 1.2 MB .gz claiming 1.2e9 labels, then 1.2 GB of zeros.
    { mode: 'dir', file: labels, header: [2049, 1.2e9], zeros: 1.2e9, checksums: true },
    { mode: 'mirror', file: labels, header: [2049, 1.2e9], zeros: 1.2e9, checksums: true },
    // Small enough (0.9 GB of zeros) to pass the size checks: refused by the header, or one byte past 60,008.
    { mode: 'dir', file: labels, header: [2049, 1.2e9], zeros: 0.9e9, checksums: false },
    { mode: 'dir', file: labels, header: [2049, 60_000], zeros: 0.9e9, checksums: true },
    { mode: 'mirror', file: labels, header: [2049, 60_000], zeros: 0.9e9, checksums: true },
    { mode: 'url', file: labels, header: [2049, 60_000], zeros: 0.9e9, checksums: true },
    // The largest official file: 47 MB legitimately inflated, refused one byte later.
    { mode: 'dir', file: images, header: [2051, 60_000, 28, 28], zeros: 1.2e9, checksums: true },
  ];
  let normalMaxRssMB = 0;
  let outcomes: BombOutcome[] = [];

  beforeAll(async () => {
    const script = join('test', 'fixtures', 'datasets-bomb.ts');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(cases)], { timeout: 90_000 });
    ({ normalMaxRssMB, results: outcomes } = JSON.parse(stdout) as { normalMaxRssMB: number; results: BombOutcome[] });
  }, 120_000);

  const dirFile = (name: string) => `^/tmp/fmnist-bomb-\\w+/${name}\\.gz`;
  const mirror = (message: string) => `^Could not download train-labels-idx1-ubyte\\.gz from any mirror \\(http://127\\.0\\.0\\.1:\\d+/train-labels-idx1-ubyte\\.gz: ${message}\\)\\.$`;
  it.each([
    [0, 'in options.dir, by its size on disk', `${dirFile(labels)}: the file size in bytes should be at most 1116085 but is \\d{7}\\.$`],
    [1, 'from a mirror, by Content-Length', mirror('the server announces \\d{7} bytes \\(Content-Length\\), more than the 1116085 bytes a gzip of train-labels-idx1-ubyte can be')],
    [2, 'with checksums: false, by the IDX header', `${dirFile(labels)}: the number of labels in the IDX header should be at most 1000000 but is 1200000000\\.$`],
    [3, 'in options.dir, one byte past the official size', `${dirFile(labels)}: the file length in bytes \\(from its IDX header\\) should be 60008 but is more than 60008\\.$`],
    [4, 'from a mirror, one byte past the official size', mirror('the file length in bytes \\(from its IDX header\\) should be 60008 but is more than 60008')],
    [5, 'from a baseUrl (DecompressionStream), one byte past the official size', `^http://127\\.0\\.0\\.1:\\d+/${labels}\\.gz: the file length in bytes \\(from its IDX header\\) should be 60008 but is more than 60008\\.$`],
    [6, 'of images, one byte past the official size', `${dirFile(images)}: the file length in bytes \\(from its IDX header\\) should be 47040016 but is more than 47040016\\.$`],
  ] as const)('refuses bomb %i (%s) quickly, with memory near a normal load', (index, _how, message) => {
    const outcome = outcomes[index]!;
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(new RegExp(message));
    // Before: 4.8 GB and 23 s. Time from the load's start (for a mirror, the bomb's request) to the
    // refusal; the images bomb legitimately inflates its 47 MB first. The bounds leave room for a
    // loaded machine (a mirror's bomb took 1.1 s beside a training run at full load, 0.3 s idle):
    // they catch inflating the bomb, not a slow machine.
    expect(outcome.refusedMs).toBeLessThan(index === 6 ? 10_000 : 5_000);
    // Peaks only grow: each is the highest of the normal load and every bomb so far.
    expect(normalMaxRssMB).toBeLessThan(300);
    expect(outcome.maxRssMB).toBeLessThan(normalMaxRssMB + 64);
  });
});
