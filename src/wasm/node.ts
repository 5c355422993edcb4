// The wasm entry for Node (the `node` condition of `tfjs-fashion-mnist/wasm`, which Deno and Bun
// load too): the same API as src/wasm/index.ts, with the threaded build started through the
// worker_threads shim.
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { startWasmBackend, type ThreadedStart, type UseWasmBackendOptions, type WasmBackendInfo, type WasmRegistration } from './backend.js';
import { startNodeKernelWorkers } from './simd/node-workers.js';
import { withNodeWasmThreads, withoutBackendProcessHandlers } from './node-threads.js';

export { registerWasmTrainingKernels } from './kernels/register.js';
export type { UseWasmBackendOptions, WasmBackendFallback, WasmBackendInfo } from './backend.js';
export { WasmBackendError } from '../errors.js';

/**
 * Makes the WebAssembly backend the active backend, ready to train, in Node: registers the library's
 * training kernels and starts the backend's multi-threaded build on every core through a small shim
 * (upstream disables threads in Node); Deno 2 and Bun 1 load this entry and get threads the same way
 * (Deno with `--allow-read --allow-write --allow-env --allow-sys`). Falls back to one thread if the
 * threaded build fails to start.
 * The process still exits by itself when its work is done, and uncaught errors are reported by Node
 * as usual. Import `@tensorflow/tfjs-backend-wasm` first; call this before any other backend work.
 *
 * @param options - Threads and kernels; see {@link UseWasmBackendOptions}.
 * @returns The thread count in use and whether the training kernels are registered.
 * @throws {@link WasmBackendError} when `@tensorflow/tfjs-backend-wasm` is not imported or the
 *   backend cannot start; {@link InvalidArgumentError} for a bad thread count.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
 *
 * const { threads } = await useWasmBackend();
 * console.log(`wasm backend on ${threads} threads`);
 * ```
 */
export function useWasmBackend(options: UseWasmBackendOptions = {}): Promise<WasmBackendInfo> {
  return startWasmBackend(options, startThreadedInNode, startNodeKernelWorkers);
}

async function startThreadedInNode(requested: number | 'auto', registration: WasmRegistration): Promise<ThreadedStart> {
  const threads = requested === 'auto' ? cpus().length : requested;
  // Both builds install process handlers that turn uncaught errors into exit code 7; see node-threads.ts.
  if (threads === 1) return { started: await withoutBackendProcessHandlers(() => tf.setBackend('wasm')) };
  const flags = tf.env();
  const previous = flags.getFlags()['WASM_HAS_MULTITHREAD_SUPPORT'];
  flags.set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  let failure = 'it failed to start (see the warnings above)';
  try {
    if (await withNodeWasmThreads(threads, () => tf.setBackend('wasm'))) return { started: true };
  } catch (error) {
    // Fall through to the single-threaded build below.
    failure = String(error);
  }
  // A failed start leaves the backend unusable: register its factory anew, single-threaded.
  flags.set('WASM_HAS_MULTITHREAD_SUPPORT', previous ?? false);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', registration.factory, registration.priority);
  return { started: await withoutBackendProcessHandlers(() => tf.setBackend('wasm')), failure };
}
