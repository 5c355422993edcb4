// What a test file sets up for all its tests: a temp folder of its own, removed after its last test,
// and the wasm backend started once before its first.
import '@tensorflow/tfjs-backend-wasm';
import { randomUUID } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { useWasmBackend, type UseWasmBackendOptions, type WasmBackendInfo } from '../../src/wasm/node.js';

/**
 * The path of a new folder under the system's temp folder (its real path, symlinks resolved), named
 * after `name`. The folder is made before the file's first test and removed, with all its contents,
 * after its last; a file whose tests are all skipped leaves nothing behind.
 */
export function tempDir(name: string): string {
  const dir = join(realpathSync(tmpdir()), `fmnist-${name}-${randomUUID()}`);
  beforeAll(() => mkdirSync(dir));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts the wasm backend with the library's kernels before the file's first test, single-threaded
 * unless `options` says otherwise. Returns a function giving what useWasmBackend reported, for the
 * tests (not before they run).
 */
export function wasmBackend(options: UseWasmBackendOptions = { threads: 1 }): () => WasmBackendInfo {
  let info: WasmBackendInfo | undefined;
  beforeAll(async () => {
    info = await useWasmBackend(options);
  });
  return () => {
    if (info === undefined) throw new Error('The wasm backend starts before the first test: ask for it inside a test or hook.');
    return info;
  };
}
