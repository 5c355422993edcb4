// Hostile image files decoded in a child process, whose peak memory is measured: a PNG whose second
// IHDR header is far larger than its first, PNGs whose colour profile or text inflates to gigabytes,
// and progressive JPEGs of thousands of scans or of too much work in all. Slow (builds gigabyte
// bombs and decodes two large images for the baseline): part of the slow suite.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

interface Outcome {
  case: string;
  bytes: number;
  ok: boolean;
  width?: number;
  height?: number;
  name?: string;
  message?: string;
  maxRssMB: number;
}

describe('hostile images, measured in a child process', () => {
  let normalMaxRssMB = 0;
  let outcomes: Outcome[] = [];

  beforeAll(async () => {
    const script = join('test', 'fixtures', 'images-bomb.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 180_000 });
    ({ normalMaxRssMB, results: outcomes } = JSON.parse(stdout) as { normalMaxRssMB: number; results: Outcome[] });
  }, 200_000);

  it.each([
    [0, 'hostile: The file is not a readable PNG image (it has more than one IHDR header).'],
    [1, undefined],
    [2, undefined],
    [3, undefined],
    [4, undefined],
    [5, 'hostile: The JPEG image has 20000 scans; images of at most 256 scans are decoded.'],
    [6, "hostile: The JPEG image's 65 scans may decode 68157440 blocks of 8x8 samples in all; images of at most 67108864 are decoded (a progressive image of many scans)."],
  ] as const)('case %i: refused, or decoded without inflating what it does not need, with memory near normal decoding', (index, message) => {
    const outcome = outcomes[index]!;
    if (message === undefined) {
      // The ancillary chunk is skipped: the 1x1 image comes back.
      expect(outcome, outcome.case).toMatchObject({ ok: true, width: 1, height: 1 });
    } else {
      expect(outcome, outcome.case).toMatchObject({ ok: false, name: 'ImageDecodeError', message });
    }
    // Before: the two-header PNG took 1.76 GB, an iCCP profile of 1 GiB 2.2 GB (four: 5.1 GB).
    // Peaks only grow: each is the highest of normal decoding and every case so far (building the
    // bombs in the child included).
    expect(normalMaxRssMB).toBeLessThan(800);
    expect(outcome.maxRssMB, outcome.case).toBeLessThan(normalMaxRssMB + 128);
  });
});
