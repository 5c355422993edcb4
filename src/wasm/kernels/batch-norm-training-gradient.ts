// The gradient of batch normalisation's training pass (batch-norm-training.ts) as one kernel, on the
// library's SIMD kernels (native/batch-norm.c).
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../../errors.js';
import { BATCH_NORM_TRAINING_GRADIENT_KERNEL } from '../../kernel-names.js';
import { simdKernelsFor } from './batch-norm-training.js';
import { withOutputs, type WasmBackendData } from './kernel-runner.js';
import type { KernelArgs } from './stock.js';

/** {@link BATCH_NORM_TRAINING_GRADIENT_KERNEL}: registered, but only called when the SIMD kernels are loaded. */
function batchNormTrainingGradient(args: KernelArgs): TensorInfo[] {
  const inputs = args.inputs as Record<'dy' | 'x' | 'scale' | 'mean' | 'variance' | 'dyMean' | 'dyVariance', TensorInfo>;
  const kernels = simdKernelsFor(inputs.x);
  if (!kernels) throw new WasmBackendError(`${BATCH_NORM_TRAINING_GRADIENT_KERNEL} needs the library's SIMD kernels and float32 channels in sixteens.`);
  const backend = args.backend as unknown as WasmBackendData;
  const epsilon = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const channels = inputs.mean.shape[0]!;
  return withOutputs(backend, [inputs.x.shape, [channels], [channels]], ([dx, dScale, dOffset]) => {
    const read = (name: keyof typeof inputs) => backend.typedArrayFromHeap(inputs[name]);
    const views = { dy: read('dy'), x: read('x'), scale: read('scale'), mean: read('mean'), variance: read('variance'), dyMean: read('dyMean'), dyVariance: read('dyVariance') };
    kernels.batchNormGradient(views, epsilon, { dx: dx!, dScale: dScale!, dOffset: dOffset! });
  });
}

/** {@link BATCH_NORM_TRAINING_GRADIENT_KERNEL} for the wasm backend. */
export const batchNormTrainingGradientConfig: KernelConfig = { kernelName: BATCH_NORM_TRAINING_GRADIENT_KERNEL, backendName: 'wasm', kernelFunc: batchNormTrainingGradient as unknown as KernelFunc };
