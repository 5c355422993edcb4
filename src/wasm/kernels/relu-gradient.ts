// ReLU's gradient in one pass on wasm (native/relu-gradient.c, with the library's SIMD kernels):
// tfjs-core's gradient runs Step and Multiply, two full-size passes and a temporary, for each of
// MiniVGGNet's five ReLUs. src/wasm/gradients.ts makes Relu's gradient call it.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../../errors.js';
import { RELU_GRADIENT_KERNEL } from '../../kernel-names.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { withOutputs, type WasmBackendData } from './kernel-runner.js';
import type { KernelArgs } from './stock.js';

/** {@link RELU_GRADIENT_KERNEL}: registered, but only called when the SIMD kernels are loaded. */
function reluGradient({ inputs, backend }: KernelArgs): TensorInfo {
  const { dy, x } = inputs as Record<'dy' | 'x', TensorInfo>;
  const kernels = activeSimdKernels();
  if (!kernels) throw new WasmBackendError(`${RELU_GRADIENT_KERNEL} needs the library's SIMD kernels.`);
  const heap = backend as unknown as WasmBackendData;
  return withOutputs(heap, [x.shape], ([dx]) => kernels.reluGradient(heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(x), dx!))[0]!;
}

/** {@link RELU_GRADIENT_KERNEL} for the wasm backend. */
export const reluGradientConfig: KernelConfig = { kernelName: RELU_GRADIENT_KERNEL, backendName: 'wasm', kernelFunc: reluGradient as unknown as KernelFunc };
