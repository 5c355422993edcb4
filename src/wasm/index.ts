/**
 * `tfjs-fashion-mnist/wasm`: training on @tensorflow/tfjs-backend-wasm. Kept out of the root entry
 * because it is coupled to the backend's internals (its kernel registry and heap). Node gets
 * src/wasm/node.ts through the `node` export condition: the same API, with threads in Node.
 *
 * @module tfjs-fashion-mnist/wasm
 */
export { useWasmBackend } from './backend.js';
export type { UseWasmBackendOptions, WasmBackendFallback, WasmBackendInfo } from './backend.js';
export { registerWasmTrainingKernels } from './kernels/register.js';
export { WasmBackendError } from '../errors.js';
