// Browser: Web Workers for the library's SIMD kernels (src/wasm/simd-kernels.ts), in cross-origin
// isolated pages (shared memory needs them). Each worker instantiates the shared-memory build of the
// kernels on the same memory and claims blocks of output channels beside the page's thread; the page's
// main thread may not block, so it spins on the count of finished blocks instead (see SimdKernels).
import { WasmBackendError } from '../errors.js';
import { CONTROL, runClaimedBlocks, type StartKernelWorkers } from './simd-kernels.js';

// The worker's whole program, started from a blob: URL as the wasm backend's own workers are. It runs
// runClaimedBlocks from its source text, so that function uses nothing but its arguments.
const WORKER_SOURCE = `
const runClaimedBlocks = ${runClaimedBlocks.toString()};
self.onmessage = ({ data: { module, memory, layout } }) => {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const control = new Int32Array(memory.buffer, 0, 64);
  self.postMessage('ready');
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
  self.close();
};
`;

/** Starts the workers and resolves once each has instantiated the kernels. */
export const startBrowserKernelWorkers: StartKernelWorkers = async (module, memory, count) => {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) workers.push(new Worker(url, { name: `tfjs-fashion-mnist-simd-${i}` }));
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.onmessage = () => resolve();
            worker.onerror = (event) => reject(new WasmBackendError(`A worker thread of the filter-gradient kernel failed to start: ${event.message}`));
            worker.postMessage({ module, memory, layout: CONTROL });
          }),
      ),
    );
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  } finally {
    URL.revokeObjectURL(url);
  }
  const control = new Int32Array(memory.buffer, 0, 64);
  return {
    async terminate() {
      Atomics.store(control, CONTROL.STOP, 1);
      Atomics.add(control, CONTROL.GENERATION, 1);
      Atomics.notify(control, CONTROL.GENERATION);
      for (const worker of workers) worker.terminate();
    },
  };
};
