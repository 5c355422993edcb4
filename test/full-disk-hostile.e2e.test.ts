// Writers on a nearly full disk: a small tmpfs (mounted for the test; root only) filled up to a few
// bytes. A write that takes only part of a buffer must be continued (and then fail with ENOSPC),
// never taken for a whole file: downloads, model saves and PNG files fail with typed errors naming
// the target, leave no partial file or temporary, and keep what was there before. Part of the slow
// suite (mounts a file system).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetUnavailableError, FileWriteError, loadFashionMnist, loadModel, ModelFileError, saveModel, savePng } from '../src/node.js';
import { checksumsOf, idxImages, idxLabels, serveGzipped } from './helpers/idx.js';
import { smallModel, weightsOf } from './helpers/models.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'fmnist-full-disk-'));
const SIZE = 4 * 2 ** 20;
const canMount = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', mountPoint]).status === 0;

/** A data set large enough that its first file cannot fit in a page: 200 training images of noise. */
const noise = (i: number, p: number) => (Math.imul(i * 784 + p, 2654435761) >>> 13) & 255;
const files = {
  'train-images-idx3-ubyte': idxImages(200, 28, 2051, noise),
  'train-labels-idx1-ubyte': idxLabels(Array.from({ length: 200 }, (_, i) => i % 10)),
  't10k-images-idx3-ubyte': idxImages(20, 28, 2051, noise),
  't10k-labels-idx1-ubyte': idxLabels(Array.from({ length: 20 }, (_, i) => i % 10)),
};
const checksums = checksumsOf(files);
let server: Awaited<ReturnType<typeof serveGzipped>> | undefined;
let base = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  server = await serveGzipped(files);
  base = server.base;
});
afterAll(() => {
  server?.close();
  if (canMount) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const filler = join(mountPoint, 'filler');

/** Fills the file system up to `free` bytes (whole pages) with one file. */
function fillLeaving(free: number): void {
  rmSync(filler, { force: true });
  try {
    writeFileSync(filler, new Uint8Array(SIZE));
  } catch (error) {
    // What fit stays written.
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  const { bsize, bfree } = statfsSync(mountPoint);
  expect(bfree).toBe(0);
  truncateSync(filler, statSync(filler).size - free);
  expect(statfsSync(mountPoint).bfree * bsize).toBe(free);
}

describe.skipIf(!canMount)('a read-only disk', () => {
  const readOnly = mkdtempSync(join(tmpdir(), 'fmnist-read-only-'));
  beforeAll(() => execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]));
  afterAll(() => {
    execFileSync('umount', [readOnly]);
    rmSync(readOnly, { recursive: true, force: true });
  });

  it('is reported as read-only, not as a missing part of the path, when folders are to be created', async () => {
    const png = join(readOnly, 'a', 'b', 'pixel.png');
    const error = (await savePng({ width: 1, height: 1, data: new Uint8Array(3) }, png).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error.message).toBe(`${png}: cannot be written; the file system is read-only (EROFS).`);
    const dir = join(readOnly, 'models', 'm');
    const model = smallModel(8);
    const saved = (await saveModel(model, dir).catch((e: unknown) => e)) as Error;
    model.dispose();
    expect(saved).toBeInstanceOf(ModelFileError);
    expect(saved.message).toBe(`${dir}: the model cannot be saved here; the file system is read-only (EROFS).`);
    const cacheDir = join(readOnly, 'cache');
    const cache = (await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [base], checksums }).catch((e: unknown) => e)) as Error;
    expect(cache).toBeInstanceOf(DatasetUnavailableError);
    expect(cache.message).toBe(`${cacheDir}: the cache directory cannot be created (the file system is read-only (EROFS)).`);
  });
});

describe.skipIf(!canMount)('a nearly full disk', () => {
  it('a download with one page free fails, naming the file, and leaves nothing in the cache', async () => {
    const cacheDir = join(mountPoint, 'cache');
    mkdirSync(cacheDir, { recursive: true });
    fillLeaving(4096);
    const error = (await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [base], checksums }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect(error.message).toMatch(/^.+\/\.train-images-idx3-ubyte\.gz\.[^/]+\.part: the download cannot be written \(ENOSPC: no space left on device, write\)\.$/);
    expect(readdirSync(cacheDir)).toEqual([]);
    // With room, the same load succeeds and caches every file whole.
    rmSync(filler);
    expect((await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [base], checksums })).train.count).toBe(200);
    expect((await loadFashionMnist({ cacheDir, sources: ['cache'], checksums })).source.kind).toBe('cache');
  });

  it('saveModel fails with ENOSPC, naming the folder, and the old model stays whole', async () => {
    const dir = join(mountPoint, 'model');
    const model = smallModel(6);
    await saveModel(model, dir);
    const before = readdirSync(dir).sort();
    for (const free of [0, 4096]) {
      fillLeaving(free);
      const other = smallModel(7);
      const error = (await saveModel(other, dir).catch((e: unknown) => e)) as Error;
      other.dispose();
      expect(error).toBeInstanceOf(ModelFileError);
      expect(error.message).toBe(`${dir}: the model cannot be saved here; no space left on the device (ENOSPC).`);
      expect(readdirSync(dir).sort()).toEqual(before);
    }
    rmSync(filler);
    const loaded = await loadModel(dir);
    expect(await weightsOf(loaded)).toEqual(await weightsOf(model));
    model.dispose();
    loaded.dispose();
  });

  it('savePng fails with ENOSPC, naming the file, and leaves no temporary', async () => {
    const path = join(mountPoint, 'pictures', 'noise.png');
    mkdirSync(join(mountPoint, 'pictures'), { recursive: true });
    fillLeaving(4096);
    const data = Uint8Array.from({ length: 256 * 256 * 3 }, (_, i) => noise(0, i));
    const error = (await savePng({ width: 256, height: 256, data }, path).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error.message).toBe(`${path}: cannot be written; no space left on the device (ENOSPC).`);
    expect(readdirSync(join(mountPoint, 'pictures'))).toEqual([]);
    rmSync(filler);
  });
});
