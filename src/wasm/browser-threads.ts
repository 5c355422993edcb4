// Browser: starts @tensorflow/tfjs-backend-wasm's multi-threaded build in a cross-origin isolated
// page, and notices when it cannot. The build's workers load the build's JavaScript from a Blob of
// the source text of its factory function; a bundler that minifies the page renames the variables
// that text refers to, so every worker fails (`ReferenceError: e is not defined`, tfjs issue 4539)
// and the start never settles. Three things are done while the build starts, and undone after:
//   1. Given the URL of the build's own file (wasm-out/tfjs-backend-wasm-threaded-simd.js, served
//      as is), the Blob of that source text is replaced by a script that loads the file: the
//      workers run the unminified original, whatever the bundler did to the page.
//   2. Every worker the build creates is watched: the first one that fails to load ends the start
//      at once (its error is kept from the build's handler, which would rethrow it on the page).
//   3. A deadline ends a start that neither succeeds nor fails.
// An ended start's workers are terminated and the backend registered afresh, so that it can start
// single-threaded.
import * as tf from '@tensorflow/tfjs-core';
import type { WasmRegistration } from './backend.js';

const MAIN_SCRIPT_MARKER = 'var WasmBackendModuleThreadedSimd';

/** How the threaded build is started in a page. */
export interface BrowserThreadsOptions {
  /** Absolute URL of the build's JavaScript, for its workers; undefined: the build's own Blob. */
  threadedScript: string | undefined;
  timeoutMs: number;
}

/**
 * Starts the threaded build with a pool of `threads`. Resolves to undefined once it runs, or to why
 * it did not; then the backend is registered anew with threads off, ready for a single-threaded start.
 */
export async function startThreadedInBrowser(threads: number, registration: WasmRegistration, options: BrowserThreadsOptions): Promise<string | undefined> {
  const watch = watchStart(options.threadedScript);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`it was not ready within ${options.timeoutMs} ms (options.timeoutMs)`), options.timeoutMs);
  });
  // The threaded build sizes its worker pool, and XNNPACK its thread pool, at half of
  // navigator.hardwareConcurrency (assuming hyper-threading), which leaves a 2-core machine with
  // one thread: twice the count asked for is reported while the backend starts.
  Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => 2 * threads });
  let failure: string | undefined;
  try {
    const started = tf.setBackend('wasm').then((ok) => (ok ? undefined : 'it failed to start (see the warnings above)'));
    failure = await Promise.race([started, watch.failure, deadline]);
  } finally {
    clearTimeout(timer);
    // The own property shadowed Navigator.prototype's getter; removing it restores the real count.
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
    watch.stop(failure === undefined);
  }
  if (failure !== undefined) {
    for (const worker of watch.workers) worker.terminate();
    // Removing the backend makes its pending start obsolete; the new registration starts afresh.
    tf.removeBackend('wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.registerBackend('wasm', registration.factory, registration.priority);
  }
  return failure;
}

/**
 * Installs the watch (1 and 2 above) until `stop`; `failure` resolves at the first worker error.
 * After a failed start, its workers' errors stay muted: they are terminated, nothing is lost.
 */
function watchStart(threadedScript: string | undefined): { workers: Worker[]; failure: Promise<string>; stop(started: boolean): void } {
  const OriginalWorker = globalThis.Worker;
  const OriginalBlob = globalThis.Blob;
  const workers: Worker[] = [];
  let state: 'starting' | 'started' | 'failed' = 'starting';
  let fail: (reason: string) => void = () => {};
  const failure = new Promise<string>((resolve) => {
    fail = resolve;
  });

  globalThis.Worker = class WatchedWorker extends OriginalWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      workers.push(this);
      // Added before the build sets onerror, so it runs first and can keep the error from it.
      this.addEventListener('error', (event) => {
        if (state === 'started') return;
        event.preventDefault();
        event.stopImmediatePropagation();
        fail(`its worker threads failed to load (${event.message || 'no message'})`);
      });
    }
  };
  if (threadedScript !== undefined) {
    const loader = `importScripts(${JSON.stringify(threadedScript)});\n`;
    globalThis.Blob = class MainScriptBlob extends OriginalBlob {
      constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
        const first = parts?.[0];
        super(typeof first === 'string' && first.startsWith(MAIN_SCRIPT_MARKER) ? [loader] : parts, options);
      }
    };
  }
  return {
    workers,
    failure,
    stop(started) {
      state = started ? 'started' : 'failed';
      globalThis.Worker = OriginalWorker;
      globalThis.Blob = OriginalBlob;
    },
  };
}
