// ReLU's gradient in one pass on wasm (native/relu-gradient.c, with the library's SIMD kernels):
// tfjs-core's gradient runs Step and Multiply, two full-size passes and a temporary, for each of
// MiniVGGNet's five ReLUs.
import { engine, getKernel, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../errors.js';
import { RELU_GRADIENT_KERNEL } from '../kernel-names.js';
import { registerBackendGradient } from './gradients.js';
import { withOutputs, type WasmBackendData } from './kernel-runner.js';
import { activeSimdKernels } from './simd/lifecycle.js';

/** {@link RELU_GRADIENT_KERNEL}: registered, but only called when the SIMD kernels are loaded. */
export function reluGradient({ inputs, backend }: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { dy, x } = inputs as Record<'dy' | 'x', TensorInfo>;
  const kernels = activeSimdKernels();
  if (!kernels) throw new WasmBackendError(`${RELU_GRADIENT_KERNEL} needs the library's SIMD kernels.`);
  const heap = backend as unknown as WasmBackendData;
  return withOutputs(heap, [x.shape], ([dx]) => kernels.reluGradient(heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(x), dx!))[0]!;
}

/** Relu's gradient through {@link RELU_GRADIENT_KERNEL} on wasm with the SIMD kernels loaded; tfjs-core's elsewhere. */
export function registerReluGradient(backendName: string): void {
  registerBackendGradient('Relu', backendName, (dy, [x]) => {
    const fast = activeSimdKernels() && getKernel(RELU_GRADIENT_KERNEL, backendName) && x!.dtype === 'float32' && dy.dtype === 'float32' && x!.size === dy.size;
    return fast ? { x: () => engine().runKernel(RELU_GRADIENT_KERNEL, { dy, x: x! }) as Tensor } : undefined;
  });
}
