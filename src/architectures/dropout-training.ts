// Dropout's training pass with its mask from one kernel, where the active backend registers one.
// tfjs-core draws the mask with tf.randomUniform (seedrandom's alea in JavaScript, about 19 ns per
// value, then copied to the backend) and turns it into a multiplier with an add, a floor and a
// division: about 9 ms of MiniVGGNet's wasm step for three dropouts. The wasm training kernels
// register DROPOUT_MASK_KERNEL, which writes the multiplier straight into the backend's memory.
import { dropout, engine, getKernel, mul, tidy, type Tensor } from '@tensorflow/tfjs-core';
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
 * generator; and seeds every training mask while {@link seedDropoutMasks} says so. tfjs-layers' own
 * code runs in inference, unseeded on backends without the kernel, and for layers with a `seed`
 * (whose masks tfjs makes reproducible) or a `noiseShape`. The class is untouched, so saved
 * models load anywhere. Idempotent.
 */
export function fuseDropoutTraining(model: LayersModel): void {
  patchTrainingCall<DropoutLayer>(model, 'Dropout', trainFused);
}

/** The seed of each dropout layer's next training mask, while a seeded training step runs. */
const stepSeeds = new WeakMap<object, number>();

/**
 * Seeds the training masks of the dropout layers of `model` for the next training step: layer `i`
 * draws its mask from `hash(seed, i)`, on any backend (through {@link DROPOUT_MASK_KERNEL} where the
 * backend has it, else tfjs-core's `dropout` with that seed). `undefined` makes them unseeded again.
 * Kept per layer, so that two models training at once never take each other's seeds.
 */
export function seedDropoutMasks(model: LayersModel, seed: number | undefined): void {
  const layers = (model.layers as unknown as PatchableLayer[]).filter((layer) => layer.getClassName() === 'Dropout');
  layers.forEach((layer, i) => (seed === undefined ? stepSeeds.delete(layer) : stepSeeds.set(layer, mixSeed(seed, i))));
}

function mixSeed(seed: number, index: number): number {
  let hash = Math.imul((seed >>> 0) ^ 0x64726f70, 0x9e3779b1) ^ index;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function trainFused(layer: DropoutLayer, input: Tensor): Tensor | undefined {
  if (!(layer.rate > 0 && layer.rate < 1) || layer.noiseShape != null || layer.seed != null) return undefined;
  const seed = stepSeeds.get(layer);
  if (!getKernel(DROPOUT_MASK_KERNEL, engine().backendName)) {
    // tfjs-core's own mask, seeded: the same distribution tfjs-layers draws, reproducibly.
    return seed === undefined ? undefined : tidy(() => dropout(input, layer.rate, undefined, seed));
  }
  // Unseeded outside a seeded step, as tfjs' own unseeded dropout: a fresh seed per call.
  const maskSeed = seed ?? Math.floor(Math.random() * 2 ** 32);
  return tidy(() => mul(input, engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape: input.shape, rate: layer.rate, seed: maskSeed }) as Tensor));
}
