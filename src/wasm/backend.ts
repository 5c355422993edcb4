import * as tf from '@tensorflow/tfjs-core';
// InvalidArgumentError is imported for the TSDoc's link to it.
import { WasmBackendError, type InvalidArgumentError } from '../errors.js';
import { assertBoolean, describeInteger, inRange, invalid, type OptionNames, resolveOptions } from '../validate.js';
import { startBrowserKernelWorkers } from './simd/browser-workers.js';
import { disableSimdKernels, enableSimdKernels } from './simd/lifecycle.js';
import type { StartKernelWorkers } from './simd/threads.js';
import { registerWasmTrainingKernels } from './kernels/register.js';

/** Options of {@link useWasmBackend}. Every field is optional. */
export interface UseWasmBackendOptions {
  /**
   * Threads for XNNPACK. In Node the multi-threaded build is started through a small shim (the stock
   * backend disables it there); in browsers it needs a cross-origin isolated page (COOP
   * `same-origin` and COEP `require-corp` headers), as usual, and otherwise runs single-threaded.
   * Either way the pool gets the count asked for instead of the stock half of the logical cores.
   * `1` keeps the single-threaded build.
   * @defaultValue 'auto': every logical core (`os.cpus()` in Node, `navigator.hardwareConcurrency`
   *   in browsers)
   */
  threads?: number | 'auto';
  /**
   * Register the library's training kernels ({@link registerWasmTrainingKernels}).
   * @defaultValue true
   */
  trainingKernels?: boolean;
  /**
   * Use the library's own WebAssembly SIMD kernels where they beat the stock backend's (the filter
   * gradient of stride-1 convolutions, on as many threads as the backend got: worker threads sharing
   * the kernels' memory in Node and in cross-origin isolated pages, the calling thread alone
   * elsewhere; batch normalisation's training pass and its gradient, and the gradient of 2x2 max
   * pooling, on the calling thread; see docs/benchmarks.md). Only with `trainingKernels`. `false` keeps every kernel on XNNPACK.
   * @defaultValue true
   */
  simdKernels?: boolean;
}

/** What {@link useWasmBackend} set up. */
export interface WasmBackendInfo {
  /** Threads XNNPACK actually uses. */
  threads: number;
  /** Whether the library's training kernels are registered. */
  trainingKernels: boolean;
  /** Threads running the library's SIMD kernels; 0 when they are not in use. */
  simdKernelThreads: number;
}

/**
 * Makes the WebAssembly backend the active backend, ready to train: registers the library's training
 * kernels and starts the multi-threaded build on all cores: in Node through a shim (upstream
 * disables threads there), in a cross-origin isolated browser page as is. See docs/benchmarks.md for
 * what threads gain. Falls back to one thread if the threaded build fails to start. Import
 * `@tensorflow/tfjs-backend-wasm` first; call this before any other backend work. With a bundler,
 * keep identifiers unmangled (see examples/browser/vite.config.ts): the threaded build starts its
 * workers from the source text of one of its functions.
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
  // Workers for the SIMD kernels need shared memory, which browsers give cross-origin isolated pages.
  return startWasmBackend(options, undefined, globalThis.crossOriginIsolated === true && typeof Worker !== 'undefined' ? startBrowserKernelWorkers : undefined);
}

/** The factory tfjs-backend-wasm registered, to start it again single-threaded after a failed start. */
export interface WasmRegistration {
  factory: () => tf.KernelBackend | Promise<tf.KernelBackend>;
  priority: number;
}

/** The defaults of {@link UseWasmBackendOptions}. */
export const USE_WASM_BACKEND_DEFAULTS = /* @__PURE__ */ Object.freeze({ threads: 'auto' as number | 'auto', trainingKernels: true, simdKernels: true });
const USE_WASM_BACKEND_OPTIONS: OptionNames<UseWasmBackendOptions> = { threads: true, trainingKernels: true, simdKernels: true };
/** The most threads the backend is started with. */
const MAX_THREADS = 64;

/** Starts the threaded build in a runtime that needs help to (Node); resolves to whether it started. */
export type StartThreaded = (threads: number | 'auto', registration: WasmRegistration) => Promise<boolean>;

/**
 * {@link useWasmBackend} for both entries: `startThreaded` is the Node entry's way to start the
 * threaded build; without it, threads come from a cross-origin isolated browser page or not at all.
 */
export async function startWasmBackend(
  options: UseWasmBackendOptions,
  startThreaded: StartThreaded | undefined,
  startKernelWorkers: StartKernelWorkers | undefined,
): Promise<WasmBackendInfo> {
  const settings = resolveOptions('options', options, USE_WASM_BACKEND_DEFAULTS, USE_WASM_BACKEND_OPTIONS);
  const requested = settings.threads;
  if (requested !== 'auto' && !(typeof requested === 'number' && Number.isInteger(requested) && inRange(requested, { min: 1, max: MAX_THREADS }))) {
    throw invalid('options.threads', requested, `"auto" or ${describeInteger({ min: 1, max: MAX_THREADS })}`);
  }
  const registration = tf.engine().registryFactory['wasm'];
  if (!registration) throw new WasmBackendError("The WebAssembly backend is not loaded: import '@tensorflow/tfjs-backend-wasm' before calling useWasmBackend().");
  assertBoolean('options.trainingKernels', settings.trainingKernels);
  assertBoolean('options.simdKernels', settings.simdKernels);
  const trainingKernels = settings.trainingKernels;
  const simdKernels = trainingKernels && settings.simdKernels;
  if (trainingKernels) registerWasmTrainingKernels();

  const alreadyStarted = tf.engine().registry['wasm'] !== undefined;
  let started: boolean;
  if (!alreadyStarted && startThreaded) {
    started = await startThreaded(requested, registration);
  } else if (!alreadyStarted && requested !== 1 && globalThis.crossOriginIsolated === true && typeof navigator !== 'undefined') {
    const threads = requested === 'auto' ? navigator.hardwareConcurrency || 1 : requested;
    started = await withReportedCores(2 * threads, () => tf.setBackend('wasm'));
  } else {
    started = await tf.setBackend('wasm');
  }
  if (!started) throw new WasmBackendError('The WebAssembly backend failed to start; see the warnings above.');
  const threads = threadCount();
  let simdKernelThreads = 0;
  if (simdKernels) simdKernelThreads = (await enableSimdKernelsOrFallBack(threads, startKernelWorkers)).threads;
  else await disableSimdKernels();
  return { threads, trainingKernels, simdKernelThreads };
}

/** The SIMD kernels on `threads` threads or, if their workers fail to start, on the calling thread. */
async function enableSimdKernelsOrFallBack(threads: number, startKernelWorkers: StartKernelWorkers | undefined) {
  try {
    return await enableSimdKernels(threads, startKernelWorkers);
  } catch (error) {
    if (!startKernelWorkers) throw error;
    console.warn(`tfjs-fashion-mnist: the SIMD kernels' worker threads did not start (${String(error)}); they run on the calling thread.`);
    return enableSimdKernels(1, undefined);
  }
}

/**
 * The threaded build sizes its worker pool, and XNNPACK its thread pool, at half of
 * `navigator.hardwareConcurrency` (assuming hyper-threading), which leaves a 2-core machine with
 * one thread. Reporting `cores` while the backend starts gives them the count asked for.
 */
async function withReportedCores<T>(cores: number, initialise: () => Promise<T>): Promise<T> {
  Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores });
  try {
    return await initialise();
  } finally {
    // The own property shadowed Navigator.prototype's getter; removing it restores the real count.
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

function threadCount(): number {
  const backend = tf.engine().registry['wasm'] as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } } | undefined;
  return backend?.wasm?.tfjs?.getThreadsCount?.() ?? 1;
}
