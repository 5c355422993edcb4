// Node-only: worker threads for the library's SIMD kernels (src/wasm/simd/kernels.ts). Each worker
// instantiates the shared-memory build of the kernels on the same memory, waits for a task on the
// control block's GENERATION word and claims blocks of output channels beside the main thread.
import { Worker } from 'node:worker_threads';
import { WasmBackendError } from '../../errors.js';
import { CONTROL, type StartKernelWorkers, stopWorkers, workerProgram } from './threads.js';

// The worker's whole program (see workerProgram and serveTasks).
const WORKER_SOURCE = `${workerProgram("parentPort.postMessage('ready')")}
const { workerData, parentPort } = require('node:worker_threads');
start(workerData.module, workerData.memory, workerData.controlAt, workerData.layout);
`;

/** Starts the workers and resolves once each has instantiated the kernels, or rejects after `timeoutMs`. */
export const startNodeKernelWorkers: StartKernelWorkers = async (module, memory, controlAt, count, timeoutMs) => {
  const workers = Array.from(
    { length: count },
    // execArgv: [] so the workers do not load the parent's loaders (tsx), see src/wasm/node-threads.ts.
    () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, controlAt, layout: CONTROL }, execArgv: [] }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const ready = workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new WasmBackendError(`A worker thread of the SIMD kernels exited with code ${code} while starting.`)));
        }),
    );
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WasmBackendError(`The worker threads of the SIMD kernels did not start within ${timeoutMs} ms.`)), timeoutMs);
    });
    await Promise.race([Promise.all(ready), deadline]);
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // The workers only serve synchronous kernel calls of the main thread: they must not keep the
  // process alive.
  for (const worker of workers) {
    worker.removeAllListeners();
    worker.on('error', () => {});
    worker.unref();
  }
  return {
    async terminate() {
      stopWorkers(memory, controlAt);
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
};
