// Writes that take only part of a buffer, as a nearly full disk or a network file system may:
// every write loop must go on until all bytes are written, and check the file's size before renaming
// it into place. Injected through a hook in fs/promises' open (handles opened for writing).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetUnavailableError, FileWriteError, loadFashionMnist, loadModel, ModelFileError, saveModel } from '../src/node.js';
import { writeFileAtomic } from '../src/node/atomic.js';
import { makeFixture, serveGzipped } from './helpers/idx.js';
import { smallModel, weightsOf } from './helpers/models.js';

/**
 * How handles opened for writing behave: 'half' writes at most half of what is asked (at least a
 * byte) and says so; 'none' writes nothing and says so; 'lie' writes half and claims it wrote all.
 */
const writes = vi.hoisted(() => ({ mode: undefined as undefined | 'half' | 'none' | 'lie', calls: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      if (args[1] !== 'wx') return handle;
      const write = handle.write.bind(handle) as (buffer: Uint8Array, offset?: number, length?: number) => Promise<{ bytesWritten: number; buffer: Uint8Array }>;
      Object.defineProperty(handle, 'write', {
        value: async (buffer: Uint8Array, offset = 0, length = buffer.byteLength - offset) => {
          writes.calls++;
          if (writes.mode === undefined || length === 0) return write(buffer, offset, length);
          if (writes.mode === 'none') return { bytesWritten: 0, buffer };
          const part = Math.max(1, length >> 1);
          const done = await write(buffer, offset, part);
          return writes.mode === 'lie' ? { bytesWritten: length, buffer } : done;
        },
      });
      return handle;
    },
  };
});

const work = mkdtempSync(join(tmpdir(), 'fmnist-short-writes-'));
const fixture = makeFixture();
let server: Awaited<ReturnType<typeof serveGzipped>> | undefined;
let base = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  server = await serveGzipped(fixture.files);
  base = server.base;
});
afterAll(() => {
  server?.close();
  writes.mode = undefined;
  rmSync(work, { recursive: true, force: true });
});

async function withWrites<T>(mode: typeof writes.mode, run: () => Promise<T>): Promise<T> {
  writes.mode = mode;
  writes.calls = 0;
  try {
    return await run();
  } finally {
    writes.mode = undefined;
  }
}

const hidden = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('.'));

describe('short writes are continued', () => {
  it('writeFileAtomic writes every byte', async () => {
    const path = join(work, 'atomic', 'file.bin');
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
    await withWrites('half', () => writeFileAtomic(path, bytes));
    expect(writes.calls).toBeGreaterThan(10);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
  });

  it('saveModel writes every byte of the weights and model.json', async () => {
    const model = smallModel(3);
    const dir = join(work, 'model');
    await withWrites('half', () => saveModel(model, dir));
    expect(writes.calls).toBeGreaterThan(10);
    const loaded = await loadModel(dir);
    expect(await weightsOf(loaded)).toEqual(await weightsOf(model));
    model.dispose();
    loaded.dispose();
  });

  it('a download writes every byte to the cache', async () => {
    const cacheDir = join(work, 'cache');
    await withWrites('half', () => loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [base], checksums: fixture.checksums }));
    expect(writes.calls).toBeGreaterThan(10);
    // The server sends gzipSync's output, the same bytes each time.
    for (const [name, bytes] of Object.entries(fixture.files)) expect(new Uint8Array(readFileSync(join(cacheDir, `${name}.gz`)))).toEqual(new Uint8Array(gzipSync(bytes)));
    // The cached copy is the one read next time.
    expect((await loadFashionMnist({ cacheDir, sources: ['cache'], checksums: fixture.checksums })).source.kind).toBe('cache');
  });
});

describe('writes that take nothing, or files that end up shorter than written, are refused before the rename', () => {
  it('writeFileAtomic', async () => {
    for (const [mode, reason] of [
      ['none', 'the file system took no more bytes after 0 of 1000'],
      ['lie', 'the file holds 500 of the 1000 bytes written'],
    ] as const) {
      const path = join(work, `refused-${mode}`, 'file.bin');
      const error = await withWrites(mode, () => writeFileAtomic(path, new Uint8Array(1000))).catch((e: Error) => e);
      expect(error).toBeInstanceOf(FileWriteError);
      expect((error as Error).message).toBe(`${path}: cannot be written; a short write: ${reason}.`);
      expect(readdirSync(join(work, `refused-${mode}`))).toEqual([]);
    }
  });

  it('saveModel, leaving the old model', async () => {
    const model = smallModel(4);
    const dir = join(work, 'model-refused');
    await saveModel(model, dir);
    const before = readdirSync(dir).sort();
    for (const mode of ['none', 'lie'] as const) {
      const error = await withWrites(mode, () => saveModel(smallModel(5), dir)).catch((e: Error) => e);
      expect(error).toBeInstanceOf(ModelFileError);
      expect((error as Error).message).toMatch(new RegExp(`^${dir}: the model cannot be saved here; a short write: the file (system took no more bytes|holds \\d+ of the \\d+ bytes written)`));
      expect(readdirSync(dir).sort()).toEqual(before);
    }
    const loaded = await loadModel(dir);
    expect(await weightsOf(loaded)).toEqual(await weightsOf(model));
    model.dispose();
    loaded.dispose();
  });

  it('a download, leaving nothing in the cache', async () => {
    for (const mode of ['none', 'lie'] as const) {
      const cacheDir = join(work, `cache-${mode}`);
      const error = await withWrites(mode, () => loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [base], checksums: fixture.checksums })).catch((e: Error) => e);
      expect(error).toBeInstanceOf(DatasetUnavailableError);
      expect((error as Error).message).toMatch(/^.+\/\.train-images-idx3-ubyte\.gz\.[\d.a-f]+-[0-9a-f-]+\.part: the download cannot be written \(the file (system took no more bytes|holds \d+ of the \d+ bytes written)/);
      expect(readdirSync(cacheDir)).toEqual([]);
      expect(hidden(cacheDir)).toEqual([]);
    }
  });
});
