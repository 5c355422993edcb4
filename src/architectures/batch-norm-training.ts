// Batch normalisation's training pass through one kernel, where the active backend registers one.
// tfjs-layers builds it from tf.moments and batchNorm: about 12 kernels forward and 30 backward per
// layer (means, differences, squares, broadcasts, their gradients, and the sums of three gradient
// paths into x), for a closed form that needs two statistics forward and two sums backward. The
// wasm training kernels register BATCH_NORM_TRAINING_KERNEL and its gradient; elsewhere, and for
// layers whose statistics are not per channel on the last axis, the layer's own code runs.
import { engine, getKernel, mul, sub, tidy, type Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BATCH_NORM_TRAINING_KERNEL } from '../kernel-names.js';
import { patchTrainingCall, type PatchableLayer } from './patch-training-call.js';

/** The parts of tfjs-layers' BatchNormalization this reads (private in its typings). */
interface BatchNormLayer extends PatchableLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): Tensor };
  beta: { read(): Tensor };
  movingMean: { read(): Tensor; write(value: Tensor): void };
  movingVariance: { read(): Tensor; write(value: Tensor): void };
}

/**
 * Lets the batch-norm layers of `model` train through {@link BATCH_NORM_TRAINING_KERNEL} when the
 * active backend has it. The arithmetic is the layer's own (batch statistics, biased variance, the
 * same moving-average update); inference, other backends and other axes run the layer's code.
 * Patching an instance, not subclassing, keeps the saved class name 'BatchNormalization', so saved
 * models load anywhere. Idempotent.
 */
export function fuseBatchNormTraining(model: LayersModel): void {
  patchTrainingCall<BatchNormLayer>(model, 'BatchNormalization', trainFused);
}

function trainFused(layer: BatchNormLayer, input: Tensor): Tensor | undefined {
  if (input.rank < 2) return undefined;
  if (!layer.center || !layer.scale || (layer.axis !== -1 && layer.axis !== input.rank - 1)) return undefined;
  if (!getKernel(BATCH_NORM_TRAINING_KERNEL, engine().backendName)) return undefined;
  return tidy(() => {
    const [normed, mean, variance] = engine().runKernel(
      BATCH_NORM_TRAINING_KERNEL,
      { x: input, scale: layer.gamma.read(), offset: layer.beta.read() },
      { varianceEpsilon: layer.epsilon },
    ) as Tensor[];
    // tfjs-layers' update, term for term: moving -= (moving - batch) * (1 - momentum).
    for (const [moving, batch] of [[layer.movingMean, mean!], [layer.movingVariance, variance!]] as const) {
      tidy(() => {
        const current = moving.read();
        moving.write(sub(current, mul(sub(current, batch), 1 - layer.momentum)));
      });
    }
    return normed!;
  });
}
