// A seeded run gives the same bits on one thread and on two: the library's kernels split their work
// between threads without changing the order of any sum. Each run is its own process, as the
// backend's thread count is fixed when it starts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST, missing } from './helpers/requirements.js';

const run = promisify(execFile);

async function trainedHash(threads: number, seed: number): Promise<{ threads: number; hash: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join('test', 'fixtures', 'train-hash.ts'), String(threads), String(seed)], { timeout: 110_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { threads: number; hash: string };
}

describe.skipIf(missing(FASHION_MNIST))('a seeded wasm training run', () => {
  it('gives bit-identical weights on one thread and on two, and other weights with another seed', async () => {
    const one = await trainedHash(1, 5);
    const two = await trainedHash(2, 5);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(two.hash).toBe(one.hash);
    expect((await trainedHash(2, 6)).hash).not.toBe(one.hash);
  });
});
