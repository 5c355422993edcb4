// INPUT_CONV_KERNEL for the wasm backend: the backend's FusedConv2D (bias, no activation), with a
// gradient whose input, filter and bias parts tfjs' engine computes only when they are needed.
import { engine, getKernel, sum, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../../errors.js';
import { INPUT_CONV_KERNEL } from '../../kernel-names.js';
import type { KernelArgs } from './stock.js';

type Attrs = { strides: [number, number]; pad: 'valid' | 'same' };

/** The forward pass: the wasm backend's registered FusedConv2D. */
function inputConv(args: KernelArgs): TensorInfo {
  const fused = getKernel('FusedConv2D', 'wasm');
  if (!fused) throw new WasmBackendError("Kernel 'FusedConv2D' is not registered for backend 'wasm'; this version of the backend is not supported.");
  const { strides, pad } = args.attrs as unknown as Attrs;
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear' };
  return fused.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs }) as TensorInfo;
}

/** {@link INPUT_CONV_KERNEL} for the wasm backend. */
export const inputConvConfig: KernelConfig = { kernelName: INPUT_CONV_KERNEL, backendName: 'wasm', kernelFunc: inputConv as unknown as KernelFunc };

/** The gradient of {@link INPUT_CONV_KERNEL} (tfjs keys gradients by kernel name; the kernel exists on wasm only). */
export const inputConvGradConfig: GradConfig = {
  kernelName: INPUT_CONV_KERNEL,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [Tensor, Tensor];
    const { strides, pad } = attrs as unknown as Attrs;
    const common = { strides, pad, dataFormat: 'NHWC' };
    return {
      x: () => engine().runKernel('Conv2DBackpropInput', { dy: dy as Tensor, filter }, { ...common, inputShape: x.shape }) as Tensor,
      filter: () => engine().runKernel('Conv2DBackpropFilter', { x, dy: dy as Tensor }, { ...common, filterShape: filter.shape }) as Tensor,
      bias: () => sum(dy as Tensor, [0, 1, 2]),
    };
  },
};
