// The library's SIMD kernels' life: compiled from the build src/wasm/simd/module.ts chooses,
// instantiated on the wasm backend's memory or their own, with their worker threads, and the one
// instance the training kernels use.
import { SimdKernels, type CallingThreadExports } from './kernels.js';
import { hostMemory, KernelMemory, type HostMemory } from './memory.js';
import { chooseSimdKernelBuild, simdKernelBytes, type SimdKernelBuild } from './module.js';
import { PARALLEL_KERNELS, ParallelTasks, type ParallelExport, type StartKernelWorkers } from './threads.js';

/** Which build of the kernels to run (see chooseSimdKernelBuild). */
export interface SimdKernelBuildOptions {
  /** @defaultValue `'auto'`: the environment variable's choice, else relaxed SIMD where the engine takes it. */
  build?: SimdKernelBuild | 'auto';
}

/** Whether `buffer` is shared; false where SharedArrayBuffer does not exist (pages that are not cross-origin isolated). */
function isShared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

function sharedMemoryWorks(): boolean {
  try {
    return isShared(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer);
  } catch {
    return false;
  }
}

/**
 * Compiles and instantiates the kernels on `host`'s memory when given (the wasm backend's: no copies;
 * the shared build when it is shared), else on a memory of their own; with `threads - 1` workers when
 * `startWorkers` is given and the memory is shared; otherwise they run on the calling thread only.
 */
export async function createSimdKernels(threads: number, startWorkers: StartKernelWorkers | undefined, host?: HostMemory, options: SimdKernelBuildOptions & { timeoutMs?: number | undefined } = {}): Promise<SimdKernels> {
  const build = chooseSimdKernelBuild(options.build);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const shared = host ? isShared(host.memory.buffer) : startWorkers !== undefined && threads > 1 && sharedMemoryWorks();
  const module = await WebAssembly.compile(simdKernelBytes(build, shared) as BufferSource);
  const memory = host?.memory ?? new WebAssembly.Memory(shared ? { initial: 2, maximum: 32768, shared: true } : { initial: 2 });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const parallel = PARALLEL_KERNELS.map((name) => instance.exports[name] as ParallelExport);
  const space = new KernelMemory(memory, host);
  let workers: { terminate(): Promise<void> } | undefined;
  try {
    workers = shared && startWorkers && threads > 1 ? await startWorkers(module, memory, space.controlAt, threads - 1, timeoutMs) : undefined;
  } catch (error) {
    space.dispose();
    throw error;
  }
  const tasks = new ParallelTasks(memory, parallel, workers, space.controlAt);
  return new SimdKernels(space, tasks, instance.exports as unknown as CallingThreadExports, workers ? threads : 1, build);
}

let active: SimdKernels | undefined;

/** The kernels the training kernels use, if {@link enableSimdKernels} has run. */
export function activeSimdKernels(): SimdKernels | undefined {
  return active;
}

/**
 * Makes the training kernels use the library's SIMD kernels, on `threads` threads when
 * `startWorkers` is given (and the memory is shared), else on the calling thread; in the wasm
 * backend's own memory when {@link hostMemory} finds it, unless `ownMemory` (benchmarks and tests of
 * the copying mode); of the build `options.build` asks for (see chooseSimdKernelBuild); workers that
 * are not ready within `timeoutMs` make it fail. Calling it again with the same arguments and backend
 * keeps the running kernels.
 */
export async function enableSimdKernels(threads: number, startWorkers: StartKernelWorkers | undefined, options: { ownMemory?: boolean; timeoutMs?: number } & SimdKernelBuildOptions = {}): Promise<SimdKernels> {
  const host = options.ownMemory ? undefined : hostMemory();
  const build = chooseSimdKernelBuild(options.build);
  if (active && active.threads === (startWorkers ? threads : 1) && active.host?.memory === host?.memory && active.build === build) return active;
  const previous = active;
  active = undefined;
  await previous?.dispose();
  active = await createSimdKernels(threads, startWorkers, host, { build, timeoutMs: options.timeoutMs });
  return active;
}

/** Goes back to the XNNPACK formulations (for benchmarks and tests) and stops the workers. */
export async function disableSimdKernels(): Promise<void> {
  const previous = active;
  active = undefined;
  await previous?.dispose();
}
