// Identity without a copy.
import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { runStockKernel, type KernelArgs } from './stock.js';

/**
 * Identity without a copy: the output shares the input's memory and bumps its reference count,
 * as the cpu backend does. The stock kernel copies, and a MiniVGGNet step calls it about 200 times
 * (gradients of additions, casts to the same type): 18 ms of copying per step.
 */
export function identity(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return runStockKernel(Identity, args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Identity for the wasm backend. */
export const identityConfig: KernelConfig = { kernelName: Identity, backendName: 'wasm', kernelFunc: identity as unknown as KernelFunc };
