// Dropout's training pass with its mask from one kernel, where the active backend registers one.
// tfjs-core draws the mask with tf.randomUniform (seedrandom's alea in JavaScript, about 19 ns per
// value, then copied to the backend) and turns it into a multiplier with an add, a floor and a
// division: about 9 ms of MiniVGGNet's wasm step for three dropouts. The wasm training kernels
// register DROPOUT_MASK_KERNEL, which writes the multiplier straight into the backend's memory.
import { engine, getKernel, mul, tidy, type Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DROPOUT_MASK_KERNEL } from '../kernel-names.js';
import { patchTrainingCall, type PatchableLayer } from './patch-training-call.js';

/** The parts of tfjs-layers' Dropout this reads. */
interface DropoutLayer extends PatchableLayer {
  rate: number;
  noiseShape?: unknown;
  seed?: number;
}

/**
 * Lets the dropout layers of `model` draw their training masks through {@link DROPOUT_MASK_KERNEL}
 * when the active backend has it: the same multiplier with the same distribution from a faster
 * generator. tfjs-layers' own code runs in inference, on other backends, and for layers with a
 * `seed` (whose masks tfjs makes reproducible) or a `noiseShape`. The class is untouched, so saved
 * models load anywhere. Idempotent.
 */
export function fuseDropoutTraining(model: LayersModel): void {
  patchTrainingCall<DropoutLayer>(model, 'Dropout', trainFused);
}

function trainFused(layer: DropoutLayer, input: Tensor): Tensor | undefined {
  if (!(layer.rate > 0 && layer.rate < 1) || layer.noiseShape != null || layer.seed != null) return undefined;
  if (!getKernel(DROPOUT_MASK_KERNEL, engine().backendName)) return undefined;
  // Unseeded, as tfjs' own unseeded dropout: a fresh seed per call.
  const seed = Math.floor(Math.random() * 2 ** 32);
  return tidy(() => mul(input, engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape: input.shape, rate: layer.rate, seed }) as Tensor));
}
