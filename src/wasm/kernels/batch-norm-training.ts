// Batch normalisation's training pass as one kernel with a closed-form gradient, for the wasm
// backend (see src/architectures/batch-norm-training.ts for the layer side and why; the gradient's
// own kernel on the SIMD kernels: batch-norm-training-gradient.ts).
import { add, engine, mul, rsqrt, sub, sum, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_GRADIENT_KERNEL, BATCH_NORM_TRAINING_KERNEL } from '../../kernel-names.js';
import type { SimdKernels } from '../simd/kernels.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { KernelRunner, withOutputs, type WasmBackendData } from './kernel-runner.js';
import type { KernelArgs } from './stock.js';

/** The SIMD kernels when they are loaded and take this case (float32, channels in sixteens). */
export function simdKernelsFor(x: { dtype: string; shape: readonly number[] }): SimdKernels | undefined {
  const channels = x.shape[x.shape.length - 1]!;
  return x.dtype === 'float32' && channels % 16 === 0 ? activeSimdKernels() : undefined;
}

/** Axes of everything but the channels (the last axis). */
const leadingAxes = (rank: number) => Array.from({ length: rank - 1 }, (_, i) => i);

/**
 * Forward: per-channel batch mean and biased variance (two passes, as tf.moments), then
 * (x − mean)·(scale / √(variance + ε)) + offset. Built from the backend's registered kernels
 * (the library's leading-axis Mean and XNNPACK's broadcasting arithmetic).
 */
function batchNormTraining(args: KernelArgs): TensorInfo[] {
  const { x, scale, offset } = args.inputs as Record<'x' | 'scale' | 'offset', TensorInfo>;
  const epsilon = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const kernels = simdKernelsFor(x);
  if (kernels) {
    const backend = args.backend as unknown as WasmBackendData;
    const channels = x.shape[x.shape.length - 1]!;
    return withOutputs(backend, [x.shape, [channels], [channels]], ([y, mean, variance]) => {
      const read = (t: TensorInfo) => backend.typedArrayFromHeap(t);
      kernels.batchNormForward(read(x), channels, read(scale), read(offset), epsilon, { y: y!, mean: mean!, variance: variance! });
    });
  }
  // No fallbacks: Mean and the arithmetic should be the registered (fast) kernels.
  const r = new KernelRunner(args.backend, 'wasm', new Map());
  try {
    const axis = leadingAxes(x.shape.length);
    const mean = r.run('Mean', { x }, { axis, keepDims: false });
    const centered = r.run('Sub', { a: x, b: mean });
    const variance = r.run('Mean', { x: r.run('Square', { x: centered }) }, { axis, keepDims: false });
    const epsilonTensor = r.run('Fill', {}, { shape: [], value: epsilon, dtype: 'float32' });
    const factor = r.run('RealDiv', { a: scale, b: r.run('Sqrt', { x: r.run('Add', { a: variance, b: epsilonTensor }) }) });
    const normed = r.run('Add', { a: r.run('Multiply', { a: centered, b: factor }), b: offset });
    return [r.keep(normed), r.keep(mean), r.keep(variance)];
  } finally {
    r.release();
  }
}

/** {@link BATCH_NORM_TRAINING_KERNEL} for the wasm backend. */
export const batchNormTrainingConfig: KernelConfig = { kernelName: BATCH_NORM_TRAINING_KERNEL, backendName: 'wasm', kernelFunc: batchNormTraining as unknown as KernelFunc };

/**
 * The gradient, with N values per channel, c = x − mean, r = 1/√(variance + ε) and upstream
 * gradients g (normalised output), gMean and gVariance (zero in the layer's use, kept exact):
 *   ∂x = scale·r·g − scale·r³·Σ(g·c)/N·c + 2·gVariance/N·c − scale·r·Σg/N + gMean/N
 *   ∂scale = r·Σ(g·c)          ∂offset = Σg
 * Eight full-size passes, where tfjs' gradients of moments and batchNorm take about thirty kernels.
 */
export const batchNormTrainingGradConfig: GradConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [g, gMean, gVariance] = dy as Tensor[];
    const [x, scale, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor];
    if (simdKernelsFor(x)) {
      const inputs = { dy: g!, x, scale, mean, variance, dyMean: gMean!, dyVariance: gVariance! };
      const [dx, dScale, dOffset] = engine().runKernel(BATCH_NORM_TRAINING_GRADIENT_KERNEL, inputs, attrs) as Tensor[];
      return { x: () => dx!, scale: () => dScale!, offset: () => dOffset! };
    }
    const axes = leadingAxes(x.rank);
    const count = x.size / mean.size;
    const invStd = rsqrt(add(variance, (attrs as { varianceEpsilon: number }).varianceEpsilon));
    const centered = sub(x, mean);
    const sumG = sum(g!, axes);
    const sumGCentered = sum(mul(g!, centered), axes);
    const a = mul(scale, invStd);
    const b = add(mul(mul(a, mul(invStd, invStd)), mul(sumGCentered, -1 / count)), mul(gVariance!, 2 / count));
    const k = add(mul(a, mul(sumG, -1 / count)), mul(gMean!, 1 / count));
    const dx = add(add(mul(g!, a), mul(centered, b)), k);
    return { x: () => dx, scale: () => mul(invStd, sumGCentered), offset: () => sumG };
  },
};
