// Cast to the same type without a copy.
import { Cast, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { identity } from './identity.js';
import { runStockKernel, type KernelArgs } from './stock.js';

/** Cast to the type a tensor already has (tfjs-layers does it in every loss and metric) without a copy. */
function cast(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as { dtype: string };
  return dtype === x.dtype ? identity(args) : runStockKernel(Cast, args);
}

/** Cast for the wasm backend. */
export const castConfig: KernelConfig = { kernelName: Cast, backendName: 'wasm', kernelFunc: cast as unknown as KernelFunc };
