import * as tf from '@tensorflow/tfjs-core';
// InvalidArgumentError is imported for the TSDoc's link to it.
import { WasmBackendError, type InvalidArgumentError } from '../errors.js';
import { assertBoolean, assertInteger, describeInteger, inRange, invalid, type OptionNames, resolveOptions } from '../validate.js';
import { startThreadedInBrowser } from './browser-threads.js';
import { startBrowserKernelWorkers } from './simd/browser-workers.js';
import { disableSimdKernels, enableSimdKernels } from './simd/lifecycle.js';
import type { StartKernelWorkers } from './simd/threads.js';
import { registerWasmTrainingKernels } from './kernels/register.js';

/** Options of {@link useWasmBackend}. Every field is optional. */
export interface UseWasmBackendOptions {
  /**
   * Threads for XNNPACK and the library's SIMD kernels. In Node the multi-threaded build is started
   * through a small shim (the stock backend disables it there); in browsers it needs a cross-origin
   * isolated page (COOP `same-origin` and COEP `require-corp` headers), and otherwise runs on one
   * thread, as {@link WasmBackendInfo.fallback} then says. Either way the pool gets the count asked
   * for instead of the stock half of the logical cores. `1` keeps the single-threaded build.
   * @defaultValue 'auto': every logical core (`os.cpus()` in Node, `navigator.hardwareConcurrency`
   *   in browsers)
   */
  threads?: number | 'auto';
  /**
   * Browsers: the URL of the threaded build's own JavaScript, the file
   * `@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js` served as is (with
   * Vite: `import threadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url'`).
   * The build's worker threads load it instead of the source text of the copy bundled into the
   * page, which breaks when a minifier renames its variables (tfjs issue 4539): with it, threads
   * work in a minified bundle. Without it, such a bundle's workers fail, and the backend starts on
   * one thread with a console warning. Ignored in Node and in pages without threads.
   * @defaultValue undefined: the workers run the bundled copy's source text
   */
  threadedScript?: string | URL;
  /**
   * How long the backend, its threads and the SIMD kernels' worker threads may take to start, in
   * milliseconds. Threads that do not start in time give way to one thread (with a console
   * warning); a backend that does not start at all fails with {@link WasmBackendError}. An integer
   * from 1 to 2147483647.
   * @defaultValue 30000
   */
  timeoutMs?: number;
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

/** Why {@link useWasmBackend} runs on fewer threads than it was asked for. */
export interface WasmBackendFallback {
  /**
   * `'not-cross-origin-isolated'`: a browser page without the COOP/COEP headers has no shared
   * memory, so the backend and the SIMD kernels run on one thread. `'threads-failed'`: the threaded
   * build did not start (see `message`), so both run on one thread. `'kernel-workers-failed'`: the
   * backend has its threads, but the SIMD kernels' worker threads did not start, so the kernels run
   * on the calling thread.
   */
  reason: 'not-cross-origin-isolated' | 'threads-failed' | 'kernel-workers-failed';
  /** What happened and how to get the threads, as a sentence for a log. */
  message: string;
}

/** What {@link useWasmBackend} set up. */
export interface WasmBackendInfo {
  /** Threads XNNPACK actually uses. */
  threads: number;
  /** Whether the library's training kernels are registered. */
  trainingKernels: boolean;
  /** Threads running the library's SIMD kernels; 0 when they are not in use. */
  simdKernelThreads: number;
  /** Present when fewer threads run than were asked for, saying why. */
  fallback?: WasmBackendFallback;
}

/**
 * Makes the WebAssembly backend the active backend, ready to train: registers the library's training
 * kernels and the SIMD kernels and starts the multi-threaded build on all cores: in Node through a
 * shim (upstream disables threads there), in a cross-origin isolated browser page as is. Any other
 * page gets one thread, with the SIMD kernels too; a threaded start that fails (a minified bundle
 * without `threadedScript`) or times out gives way to one thread with a console warning; what it got
 * and why is in the result. See docs/benchmarks.md for what threads gain. Import
 * `@tensorflow/tfjs-backend-wasm` first (in a browser, point `setWasmPaths` at its `.wasm` files);
 * call this before any other backend work.
 *
 * @param options - Threads and kernels; see {@link UseWasmBackendOptions}.
 * @returns The thread count in use, whether the training kernels are registered, and why threads
 *   fell short if they did.
 * @throws {@link WasmBackendError} when `@tensorflow/tfjs-backend-wasm` is not imported or the
 *   backend cannot start in `timeoutMs`; {@link InvalidArgumentError} for a bad option.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
 *
 * const { threads, fallback } = await useWasmBackend();
 * console.log(`wasm backend on ${threads} threads`, fallback?.message ?? '');
 * ```
 */
export function useWasmBackend(options: UseWasmBackendOptions = {}): Promise<WasmBackendInfo> {
  return startWasmBackend(options, undefined, pageHasThreads() ? startBrowserKernelWorkers : undefined);
}

/** Whether this page can run threads: cross-origin isolated (shared memory) and with Web Workers. */
function pageHasThreads(): boolean {
  return globalThis.crossOriginIsolated === true && typeof Worker !== 'undefined' && typeof navigator !== 'undefined';
}

/** The factory tfjs-backend-wasm registered, to start it again single-threaded after a failed start. */
export interface WasmRegistration {
  factory: () => tf.KernelBackend | Promise<tf.KernelBackend>;
  priority: number;
}

/** How a threaded start went: whether the backend runs, and why not on threads if it fell back. */
export interface ThreadedStart {
  started: boolean;
  failure?: string;
}

/** Starts the threaded build in a runtime that needs help to (Node). */
export type StartThreaded = (threads: number | 'auto', registration: WasmRegistration) => Promise<ThreadedStart>;

/** Why a started backend runs on fewer threads than asked for, for later calls that find it running. */
const startFallbacks = new WeakMap<tf.KernelBackend, WasmBackendFallback>();

/** The defaults of {@link UseWasmBackendOptions}. */
export const USE_WASM_BACKEND_DEFAULTS = /* @__PURE__ */ Object.freeze({ threads: 'auto' as number | 'auto', trainingKernels: true, simdKernels: true, timeoutMs: 30_000 });
const USE_WASM_BACKEND_OPTIONS: OptionNames<UseWasmBackendOptions> = { threads: true, trainingKernels: true, simdKernels: true, timeoutMs: true, threadedScript: true };
/** The most threads the backend is started with. */
const MAX_THREADS = 64;

/** The options, checked, with their defaults. */
interface Settings {
  requested: number | 'auto';
  threadedScript: string | undefined;
  timeoutMs: number;
  trainingKernels: boolean;
  simdKernels: boolean;
}

function settings(options: UseWasmBackendOptions): Settings {
  const resolved = resolveOptions('options', options, USE_WASM_BACKEND_DEFAULTS, USE_WASM_BACKEND_OPTIONS);
  const requested = resolved.threads;
  if (requested !== 'auto' && !(typeof requested === 'number' && Number.isInteger(requested) && inRange(requested, { min: 1, max: MAX_THREADS }))) {
    throw invalid('options.threads', requested, `"auto" or ${describeInteger({ min: 1, max: MAX_THREADS })}`);
  }
  assertBoolean('options.trainingKernels', resolved.trainingKernels);
  assertBoolean('options.simdKernels', resolved.simdKernels);
  const { timeoutMs } = resolved;
  // The longest delay setTimeout honours, as the loaders' timeouts.
  assertInteger('options.timeoutMs', timeoutMs, { min: 1, max: 2 ** 31 - 1, note: 'milliseconds' });
  const trainingKernels = resolved.trainingKernels;
  return { requested, threadedScript: scriptUrl(resolved.threadedScript), timeoutMs, trainingKernels, simdKernels: trainingKernels && resolved.simdKernels };
}

/** `threadedScript` as an absolute URL: the workers load it from blob: URLs, where relative ones do not resolve. */
function scriptUrl(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const expected = 'the URL (string or URL) of tfjs-backend-wasm-threaded-simd.js';
  if (!(value instanceof URL) && (typeof value !== 'string' || value === '')) throw invalid('options.threadedScript', value, expected);
  try {
    return new URL(value, globalThis.location?.href).href;
  } catch {
    throw invalid('options.threadedScript', value, `${expected}, absolute or relative to the page`);
  }
}

/**
 * {@link useWasmBackend} for both entries: `startThreaded` is the Node entry's way to start the
 * threaded build; without it, threads come from a cross-origin isolated browser page or not at all.
 */
export async function startWasmBackend(
  options: UseWasmBackendOptions,
  startThreaded: StartThreaded | undefined,
  startKernelWorkers: StartKernelWorkers | undefined,
): Promise<WasmBackendInfo> {
  const config = settings(options);
  const registration = tf.engine().registryFactory['wasm'];
  if (!registration) throw new WasmBackendError("The WebAssembly backend is not loaded: import '@tensorflow/tfjs-backend-wasm' before calling useWasmBackend().");
  if (config.trainingKernels) registerWasmTrainingKernels();

  const { started, fallback } = await startBackend(config, registration, startThreaded);
  if (!started) throw new WasmBackendError('The WebAssembly backend failed to start; see the warnings above.');
  const backend = tf.engine().registry['wasm']!;
  if (fallback) startFallbacks.set(backend, fallback);
  const threads = threadCount();
  let simdKernelThreads = 0;
  let kernelFallback: WasmBackendFallback | undefined;
  if (config.simdKernels) {
    const kernels = await enableSimdKernelsOrFallBack(threads, startKernelWorkers, config.timeoutMs);
    simdKernelThreads = kernels.threads;
    kernelFallback = kernels.fallback;
  } else {
    await disableSimdKernels();
  }
  const info: WasmBackendInfo = { threads, trainingKernels: config.trainingKernels, simdKernelThreads };
  const why = startFallbacks.get(backend) ?? kernelFallback;
  if (why) info.fallback = why;
  return info;
}

/** Starts the backend (unless it runs already) on the threads this runtime allows. */
async function startBackend(config: Settings, registration: WasmRegistration, startThreaded: StartThreaded | undefined): Promise<{ started: boolean; fallback?: WasmBackendFallback }> {
  const { requested, timeoutMs } = config;
  if (tf.engine().registry['wasm'] !== undefined) return { started: await tf.setBackend('wasm') };
  if (startThreaded) {
    const { started, failure } = await startThreaded(requested, registration);
    return failure === undefined ? { started } : { started, fallback: threadsFailed(failure) };
  }
  if (requested === 1 || !pageHasThreads()) {
    // One thread: the single-threaded build, also where the threaded one would be picked.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const started = await startSingleThreaded(registration, timeoutMs);
    // Browsers define crossOriginIsolated, in pages and in workers.
    if (requested === 1 || globalThis.crossOriginIsolated !== false) return { started };
    const message =
      'tfjs-fashion-mnist: this page is not cross-origin isolated (no SharedArrayBuffer), so the wasm backend and its SIMD kernels run on one thread. ' +
      'Serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for threads.';
    return { started, fallback: { reason: 'not-cross-origin-isolated', message } };
  }
  const threads = requested === 'auto' ? navigator.hardwareConcurrency || 1 : requested;
  const failure = await startThreadedInBrowser(threads, registration, { threadedScript: config.threadedScript, timeoutMs });
  if (failure === undefined) return { started: true };
  const fallback = threadsFailed(failure, config.threadedScript === undefined);
  console.warn(fallback.message);
  return { started: await startSingleThreaded(registration, timeoutMs), fallback };
}

function threadsFailed(failure: string, suggestScript = false): WasmBackendFallback {
  const hint = suggestScript
    ? ' In a minified bundle, pass useWasmBackend({ threadedScript }) the URL of @tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js (see the README).'
    : '';
  return { reason: 'threads-failed', message: `tfjs-fashion-mnist: the threaded wasm backend did not start: ${failure}. It runs on one thread.${hint}` };
}

/** Starts the single-threaded build, or fails with a WasmBackendError after `timeoutMs`. */
async function startSingleThreaded(registration: WasmRegistration, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([tf.setBackend('wasm'), deadline]);
    if (outcome !== 'timeout') return outcome;
  } finally {
    clearTimeout(timer);
  }
  // Make the pending start obsolete, so that a later call starts afresh.
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', registration.factory, registration.priority);
  throw new WasmBackendError(`The WebAssembly backend did not start within ${timeoutMs} ms (options.timeoutMs): check that its .wasm files are served (setWasmPaths).`);
}

/** The SIMD kernels on `threads` threads or, if their workers fail to start, on the calling thread. */
async function enableSimdKernelsOrFallBack(threads: number, startKernelWorkers: StartKernelWorkers | undefined, timeoutMs: number): Promise<{ threads: number; fallback?: WasmBackendFallback }> {
  try {
    return { threads: (await enableSimdKernels(threads, startKernelWorkers, { timeoutMs })).threads };
  } catch (error) {
    if (!startKernelWorkers) throw error;
    const message = `tfjs-fashion-mnist: the SIMD kernels' worker threads did not start (${String(error)}); they run on the calling thread.`;
    console.warn(message);
    return { threads: (await enableSimdKernels(1, undefined)).threads, fallback: { reason: 'kernel-workers-failed', message } };
  }
}

function threadCount(): number {
  const backend = tf.engine().registry['wasm'] as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } } | undefined;
  return backend?.wasm?.tfjs?.getThreadsCount?.() ?? 1;
}
