// SGD_MOMENTUM_KERNEL for the wasm backend: KerasSGD's update of one variable in one pass of
// native/sgd-momentum.c on the backend's memory, with the library's SIMD kernels; without them, the
// same four kernels the optimizer's ops would run.
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { SGD_MOMENTUM_KERNEL } from '../../kernel-names.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { KernelRunner, withOutputs, type WasmBackendData } from './kernel-runner.js';
import type { KernelArgs } from './stock.js';

/** Inputs `variable`, `velocity`, `gradient`; attributes `rate`, `momentum`; outputs [w + v', v'] with v' = momentum·v − rate·g. */
function sgdMomentum({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { variable, velocity, gradient } = inputs as Record<'variable' | 'velocity' | 'gradient', TensorInfo>;
  const { rate, momentum } = attrs as { rate: number; momentum: number };
  const kernels = activeSimdKernels();
  if (!kernels) return withOps(backend, variable, velocity, gradient, rate, momentum);
  const heap = backend as unknown as WasmBackendData;
  return withOutputs(heap, [variable.shape, variable.shape], ([w, v]) => {
    const read = (t: TensorInfo) => heap.typedArrayFromHeap(t);
    kernels.sgdMomentum(read(variable), read(velocity), read(gradient), rate, momentum, { w: w!, v: v! });
  });
}

/** The optimizer's ops, kernel by kernel: Multiply, Multiply, Sub, Add with float32 scalars. */
function withOps(backend: KernelBackend, variable: TensorInfo, velocity: TensorInfo, gradient: TensorInfo, rate: number, momentum: number): TensorInfo[] {
  const r = new KernelRunner(backend, 'wasm', new Map());
  try {
    const scalar = (value: number) => r.run('Fill', {}, { shape: [], value, dtype: 'float32' });
    const next = r.run('Sub', { a: r.run('Multiply', { a: velocity, b: scalar(momentum) }), b: r.run('Multiply', { a: gradient, b: scalar(rate) }) });
    return [r.keep(r.run('Add', { a: variable, b: next })), r.keep(next)];
  } finally {
    r.release();
  }
}

/** {@link SGD_MOMENTUM_KERNEL} for the wasm backend. */
export const sgdMomentumConfig: KernelConfig = { kernelName: SGD_MOMENTUM_KERNEL, backendName: 'wasm', kernelFunc: sgdMomentum as unknown as KernelFunc };
