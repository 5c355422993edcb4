// Node-only: worker threads for the library's SIMD kernels (src/wasm/simd-kernels.ts). Each worker
// instantiates the shared-memory build of the kernels on the same memory, waits for a task on the
// control block's GENERATION word and claims blocks of output channels beside the main thread.
import { Worker } from 'node:worker_threads';
import { WasmBackendError } from '../errors.js';
import { CONTROL, runClaimedBlocks, type StartKernelWorkers } from './simd-kernels.js';

// The worker's whole program. It runs runClaimedBlocks from its source text, so that function uses
// nothing but its arguments. A kernel that throws is reported through ERROR (and DONE, so the main
// thread stops waiting) and printed; the worker then stops.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, layout } = workerData;
const runClaimedBlocks = ${runClaimedBlocks.toString()};
const instance = new WebAssembly.Instance(module, { env: { memory } });
const control = new Int32Array(memory.buffer, 0, 64);
parentPort.postMessage('ready');
let seen = Atomics.load(control, layout.GENERATION);
for (;;) {
  Atomics.wait(control, layout.GENERATION, seen);
  if (Atomics.load(control, layout.STOP)) break;
  seen = Atomics.load(control, layout.GENERATION);
  try {
    runClaimedBlocks(control, seen, instance.exports.filter_gradient, layout);
  } catch (error) {
    console.error('tfjs-fashion-mnist: a worker thread of the filter-gradient kernel failed:', error);
    Atomics.store(control, layout.ERROR, 1);
    Atomics.add(control, layout.DONE, 1 << 20);
    Atomics.notify(control, layout.DONE);
    break;
  }
}
`;

/** Starts the workers and resolves once each has instantiated the kernels. */
export const startNodeKernelWorkers: StartKernelWorkers = async (module, memory, count) => {
  const workers = Array.from(
    { length: count },
    // execArgv: [] so the workers do not load the parent's loaders (tsx), see node-threads.ts.
    () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, layout: CONTROL }, execArgv: [] }),
  );
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new WasmBackendError(`A worker thread of the filter-gradient kernel exited with code ${code} while starting.`)));
          }),
      ),
    );
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  // The workers only serve synchronous kernel calls of the main thread: they must not keep the
  // process alive.
  for (const worker of workers) {
    worker.removeAllListeners();
    worker.on('error', () => {});
    worker.unref();
  }
  const control = new Int32Array(memory.buffer, 0, 64);
  return {
    async terminate() {
      Atomics.store(control, CONTROL.STOP, 1);
      Atomics.add(control, CONTROL.GENERATION, 1);
      Atomics.notify(control, CONTROL.GENERATION);
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
};
