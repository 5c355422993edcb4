// The wasm backend started once before a test file's first test: the one fixture for its start-up.
// Importing this file registers tfjs' wasm backend, which then outranks cpu as tfjs' default.
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll } from 'vitest';
import { useWasmBackend, type UseWasmBackendOptions, type WasmBackendInfo } from '../../src/wasm/node.js';

/**
 * Starts the wasm backend with the library's kernels (useWasmBackend) before the file's first test,
 * single-threaded unless `options` says otherwise. Returns a function giving what useWasmBackend
 * reported, for the tests (it throws before they run).
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
