// Browser: Web Workers for the library's SIMD kernels (src/wasm/simd/kernels.ts), in cross-origin
// isolated pages (shared memory needs them). Each worker instantiates the shared-memory build of the
// kernels on the same memory and claims blocks of output channels beside the page's thread; the page's
// main thread may not block, so it spins on the count of finished blocks instead (see SimdKernels).
import { WasmBackendError } from '../../errors.js';
import { CONTROL, type StartKernelWorkers, stopWorkers, workerProgram } from './threads.js';

// The worker's whole program (see workerProgram and serveTasks), started from a blob: URL as the
// wasm backend's own workers are.
const WORKER_SOURCE = `${workerProgram("self.postMessage('ready')")}
self.onmessage = ({ data }) => {
  start(data.module, data.memory, data.controlAt, data.layout);
  self.close();
};
`;

/** Starts the workers and resolves once each has instantiated the kernels, or rejects after `timeoutMs`. */
export const startBrowserKernelWorkers: StartKernelWorkers = async (module, memory, controlAt, count, timeoutMs) => {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const workers: Worker[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (let i = 0; i < count; i++) workers.push(new Worker(url, { name: `tfjs-fashion-mnist-simd-${i}` }));
    const ready = workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.onmessage = () => resolve();
          worker.onerror = (event) => {
            // Reported here, through the rejection: not also as an error of the page.
            event.preventDefault();
            reject(new WasmBackendError(`A worker thread of the SIMD kernels failed to start: ${event.message || 'it could not load'}`));
          };
          worker.postMessage({ module, memory, controlAt, layout: CONTROL });
        }),
    );
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WasmBackendError(`The worker threads of the SIMD kernels did not start within ${timeoutMs} ms.`)), timeoutMs);
    });
    await Promise.race([Promise.all(ready), deadline]);
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  } finally {
    clearTimeout(timer);
    URL.revokeObjectURL(url);
  }
  return {
    async terminate() {
      stopWorkers(memory, controlAt);
      for (const worker of workers) worker.terminate();
    },
  };
};
