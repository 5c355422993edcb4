// Node-only: lets @tensorflow/tfjs-backend-wasm start its multi-threaded build in Node, which it
// disables there (upstream tfjs issue 3830). The threaded build is an Emscripten pthreads program
// whose Node support is intact; three things stop it, and each is bridged only while the backend
// initialises:
//   1. The backend hands its worker script to `new Worker()` as a blob: URL, which Node's
//      worker_threads reject. We capture the script as it is put into a Blob, write it to a file
//      and return that file's path instead.
//   2. The worker script is bundled code that refers to helper variables of the bundle
//      (require$$0 ... commonjsGlobal); a small prelude defines them in the worker.
//   3. Workers inherit the parent's execArgv; under a loader such as tsx each worker would load it
//      while the main thread blocks waiting for the thread pool, which deadlocks. They start bare.
//   4. XNNPACK's thread pool is capped at half the logical cores (assuming hyper-threading), so a
//      2-core machine gets one thread. os.cpus() reports twice the requested threads meanwhile.
// Deno runs the same bridges; its worker_threads differ from Node's in two ways the scripts meet:
//   a. A worker file named .js is an ES module there (no __filename, no require), so the scripts
//      are written as .cjs, CommonJS in both runtimes.
//   b. A worker's global scope is a web worker's, whose `location` has a getter only; the worker
//      script assigns `location` (with `self`, `postMessage` and `performance`) in one
//      Object.assign, which throws on it. The prelude makes such properties writable first.
// Two things of the threaded build outlive initialisation and are defused for good:
//   5. Emscripten refs a worker while it runs a pthread and unrefs it when the thread returns. XNNPACK's
//      pool threads never return, so the process would never exit (emscripten issue 12801). They
//      only serve synchronous kernel calls of the main thread, so nothing is lost when Node exits
//      under them: the pool's workers ignore ref() (emscripten unrefs them once they are loaded).
//   6. The build installs process 'uncaughtException' and 'unhandledRejection' handlers that rethrow,
//      which turns any later uncaught error of the program into exit code 7 with the build's source
//      as the error's location. The handlers it added are removed again (withoutBackendProcessHandlers,
//      which the single-threaded build needs as well).
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import workerThreads from 'node:worker_threads';

const MAIN_SCRIPT_MARKER = 'var WasmBackendModuleThreadedSimd';
const WORKER_PRELUDE_GLOBALS =
  "Object.assign(globalThis, { require$$0: require('fs'), require$$1: require('path'), require$$2: require('worker_threads'), " +
  "require$$3: require('perf_hooks'), require$$4: require('os'), commonjsGlobal: globalThis });\n";
// See b above: a global the worker script assigns that has a getter only, or is read-only, is made
// an own writable property. Nothing changes where they are writable already (Node, Bun).
const WORKER_PRELUDE_WRITABLE =
  "for (const name of ['self', 'location', 'postMessage', 'performance']) {\n" +
  '  let owner = globalThis, found;\n' +
  '  while (owner && !(found = Object.getOwnPropertyDescriptor(owner, name))) owner = Object.getPrototypeOf(owner);\n' +
  '  if (found && !found.writable && !found.set) Object.defineProperty(globalThis, name, { value: globalThis[name], writable: true, configurable: true, enumerable: true });\n' +
  '}\n';

/** Runs `initialise` (which must start the wasm backend) with the bridges above in place. */
export async function withNodeWasmThreads<T>(threads: number, initialise: () => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(os.tmpdir(), 'tfjs-fashion-mnist-wasm-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const OriginalWorker = workerThreads.Worker;
  let mainScript: string | undefined;
  const texts = new WeakMap<Blob, string>();
  // The build asks for a worker URL for every pool worker, with the same text each time. Each
  // distinct text is written once, to its own file, by a rename: rewriting one file in place
  // truncated it while earlier workers were still reading it, and a worker that read it empty
  // exited without a word, leaving the start-up waiting for it forever.
  const workerFiles = new Map<string, string>();
  const writeOnce = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(`${path}.part`, text);
    renameSync(`${path}.part`, path);
    return path;
  };

  class CapturingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (!parts?.every((part) => typeof part === 'string')) return;
      const text = parts.join('');
      texts.set(this, text);
      if (text.startsWith(MAIN_SCRIPT_MARKER)) {
        mainScript = writeOnce('backend.cjs', text);
      }
    }
  }

  globalThis.Blob = CapturingBlob as typeof Blob;
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || text.startsWith(MAIN_SCRIPT_MARKER)) return originalCreateObjectURL(blob);
    const prelude = `${WORKER_PRELUDE_GLOBALS}${WORKER_PRELUDE_WRITABLE}URL.createObjectURL = () => ${JSON.stringify(mainScript)}; URL.revokeObjectURL = () => {};\n`;
    const source = prelude + text;
    let worker = workerFiles.get(source);
    if (worker === undefined) {
      worker = writeOnce(`worker-${workerFiles.size}.cjs`, source);
      workerFiles.set(source, worker);
    }
    return worker;
  };
  // The build keeps this class (as globalThis.Worker) for workers it adds after initialisation.
  workerThreads.Worker = class PoolWorker extends OriginalWorker {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      super(filename, { ...options, execArgv: [] });
    }

    // See 5 above. Not unreferenced up front: emscripten does so once the worker has loaded, and until
    // then Node must wait for the pool while the backend starts.
    override ref(): void {}
  };
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  try {
    return await withoutBackendProcessHandlers(initialise);
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
    workerThreads.Worker = OriginalWorker;
  }
}

/** Runs `initialise` (which starts the wasm backend) and removes the process handlers it installed. */
export async function withoutBackendProcessHandlers<T>(initialise: () => Promise<T>): Promise<T> {
  const uncaughtException = process.listeners('uncaughtException');
  const unhandledRejection = process.listeners('unhandledRejection');
  try {
    return await initialise();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}
