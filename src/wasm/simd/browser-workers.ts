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

/** Starts the workers and resolves once each has instantiated the kernels. */
export const startBrowserKernelWorkers: StartKernelWorkers = async (module, memory, controlAt, count) => {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) workers.push(new Worker(url, { name: `tfjs-fashion-mnist-simd-${i}` }));
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.onmessage = () => resolve();
            worker.onerror = (event) => reject(new WasmBackendError(`A worker thread of the SIMD kernels failed to start: ${event.message}`));
            worker.postMessage({ module, memory, controlAt, layout: CONTROL });
          }),
      ),
    );
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  } finally {
    URL.revokeObjectURL(url);
  }
  return {
    async terminate() {
      stopWorkers(memory, controlAt);
      for (const worker of workers) worker.terminate();
    },
  };
};
