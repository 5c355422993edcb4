// --backend and --threads: checked up front, started when the command is ready to compute.
import * as tf from '@tensorflow/tfjs-core';
import { integerFromFlag } from '../training/flags.js';
import { useWasmBackend } from '../wasm/node.js';
import { UsageError } from './errors.js';

const BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;

/** The backend the flags ask for; `undefined` name: the default (tensorflow if installed, else wasm). */
export interface BackendChoice {
  name: (typeof BACKENDS)[number] | undefined;
  threads: number | 'auto';
}

/** Checks --backend and --threads without starting anything. */
export function backendFromFlags(flags: { backend?: string | undefined; threads?: string | undefined }): BackendChoice {
  const { backend, threads } = flags;
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be cpu, wasm or tensorflow, but got "${backend}".`);
  }
  return { name: backend as BackendChoice['name'], threads: threads === undefined ? 'auto' : integerFromFlag(threads, '--threads', 1) };
}

async function canImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/** Starts the backend and says which it is, e.g. `wasm (2 threads, ...)`. */
export async function startBackend(choice: BackendChoice): Promise<string> {
  const requested = choice.name ?? ((await canImport('@tensorflow/tfjs-node')) ? 'tensorflow' : 'wasm');
  const missing = (pkg: string) => new UsageError(`--backend ${requested} needs ${pkg}: npm install ${pkg}`);
  if (requested === 'tensorflow') {
    if (!(await canImport('@tensorflow/tfjs-node'))) throw missing('@tensorflow/tfjs-node');
    await tf.setBackend('tensorflow');
    return 'tensorflow (tfjs-node)';
  }
  if (requested === 'wasm') {
    if (!(await canImport('@tensorflow/tfjs-backend-wasm'))) throw missing('@tensorflow/tfjs-backend-wasm');
    const info = await useWasmBackend({ threads: choice.threads });
    const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
    return `wasm (${plural(info.threads)}, tfjs-fashion-mnist training kernels, SIMD kernels on ${plural(info.simdKernelThreads)})`;
  }
  if (!(await canImport('@tensorflow/tfjs-backend-cpu'))) throw missing('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return 'cpu';
}
