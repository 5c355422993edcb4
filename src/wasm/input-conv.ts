// INPUT_CONV_KERNEL for the wasm backend: the stock FusedConv2D (bias, no activation), with a
// gradient whose input, filter and bias parts tfjs' engine computes only when they are needed.
import { engine, getKernel, registerGradient, sum, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { INPUT_CONV_KERNEL } from '../kernel-names.js';
import { WasmBackendError } from '../errors.js';

type Attrs = { strides: [number, number]; pad: 'valid' | 'same' };

/** The forward pass: the wasm backend's own FusedConv2D. */
export function inputConv(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const fused = getKernel('FusedConv2D', 'wasm');
  if (!fused) throw new WasmBackendError("Kernel 'FusedConv2D' is not registered for backend 'wasm'; this version of the backend is not supported.");
  const { strides, pad } = args.attrs as unknown as Attrs;
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear' };
  return fused.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs }) as TensorInfo;
}

/** Registers the gradient (tfjs keys gradients by kernel name; the kernel exists on wasm only). */
export function registerInputConvGradient(): void {
  registerGradient({
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
  });
}
