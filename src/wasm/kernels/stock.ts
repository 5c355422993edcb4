// The wasm backend's own kernels that the library's replace, kept (by the registry, register.ts)
// for the cases ours hand back to them, and the runner that composes kernels from them.
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelRunner } from './kernel-runner.js';

/** What a kernel function receives. */
export type KernelArgs = { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap };
type StockKernel = (args: KernelArgs) => TensorInfo | TensorInfo[];

const stock = new Map<string, StockKernel>();

/** Keeps the backend's kernel `name`, before the library's replaces it. */
export function keepStockKernel(name: string, kernelFunc: KernelFunc): void {
  stock.set(name, kernelFunc as unknown as StockKernel);
}

/** Runs the backend's own kernel `name`, which the library's replaced, for a case the library's hands back. */
export function runStockKernel(name: string, args: KernelArgs): TensorInfo {
  return stock.get(name)!(args) as TensorInfo;
}

/**
 * Runs `body` with a {@link KernelRunner} that composes the backend's own kernels (the stock ones
 * where the library's replaced them), keeps what `body` returns and frees the rest.
 */
export function withRunner(backend: KernelBackend, body: (r: KernelRunner) => TensorInfo): TensorInfo {
  const r = new KernelRunner(backend, 'wasm', stock);
  try {
    return r.keep(body(r));
  } finally {
    r.release();
  }
}
