// One seed covers everything random in training: weight initialisation (buildMiniVGGNet's seed),
// the order of the images, the augmentation and the dropout masks (trainFashionMnist's seed).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildMiniVGGNet, cosineDecay, trainFashionMnist, type TrainOptions } from '../src/index.js';
import { checkpointCallback, loadCheckpoint } from '../src/node.js';
import { seedDropoutMasks } from '../src/architectures/dropout-training.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { bandSplit } from './helpers/models.js';
import { tempDir } from './helpers/temp-dir.js';

/**
 * MiniVGGNet on wasm; on cpu, whose convolution gradients are slow, a small network with the same
 * kinds of layers (convolution, batch norm, dropout, dense).
 */
function seededModel(seed: number): tfl.LayersModel {
  if (tf.getBackend() === 'wasm') return buildMiniVGGNet({ seed });
  const init = (offset: number) => tfl.initializers.glorotUniform({ seed: seed * 10 + offset });
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(1) }));
  model.add(tfl.layers.batchNormalization({ axis: -1 }));
  model.add(tfl.layers.dropout({ rate: 0.25 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }));
  return model;
}

async function weightsHash(model: tfl.LayersModel): Promise<string> {
  const hash = createHash('sha256');
  for (const weight of model.getWeights()) hash.update(new Uint8Array(((await weight.data()) as Float32Array).buffer));
  return hash.digest('hex');
}

/** SHA-256 of every weight of a model trained for two steps of 32 images with augmentation. */
async function trainedWeightsHash(seed: number, options: TrainOptions = {}): Promise<string> {
  const model = seededModel(seed);
  await trainFashionMnist(model, { train: bandSplit(64) }, { epochs: 1, seed, augment: { flip: true, translate: 1 }, ...options });
  const hash = await weightsHash(model);
  model.dispose();
  return hash;
}

const work = tempDir('reproducible');

describe.each(['cpu', 'wasm'])('a seeded training run on %s', (backend) => {
  it('gives bit-identical weights when repeated, and other weights with another seed', async () => {
    if (backend === 'wasm') await useWasmBackend({ threads: 1 });
    else await tf.setBackend('cpu');
    expect(tf.getBackend()).toBe(backend);
    const first = await trainedWeightsHash(7);
    // Math.random feeds tfjs' unseeded randomness; a seeded run must not depend on it.
    const random = Math.random;
    Math.random = () => 0.5;
    try {
      expect(await trainedWeightsHash(7)).toBe(first);
    } finally {
      Math.random = random;
    }
    expect(await trainedWeightsHash(8)).not.toBe(first);
  });
});

describe('a run interrupted after an epoch and resumed from its checkpoint', () => {
  it('ends with the same weights, bit for bit, as the uninterrupted run (MiniVGGNet on wasm)', async () => {
    await useWasmBackend({ threads: 1 });
    const data = { train: bandSplit(64) };
    const options: TrainOptions = { epochs: 2, seed: 9, augment: { flip: true }, learningRateSchedule: cosineDecay() };
    const straight = buildMiniVGGNet({ seed: 9 });
    await trainFashionMnist(straight, data, options);

    const interrupted = buildMiniVGGNet({ seed: 9 });
    const dir = join(work, 'checkpoint');
    await trainFashionMnist(interrupted, data, { ...options, callbacks: [checkpointCallback(interrupted, dir), { onEpochEnd: () => false }] });
    interrupted.dispose();
    const checkpoint = await loadCheckpoint(dir);
    expect(checkpoint.initialEpoch).toBe(1);
    await trainFashionMnist(checkpoint.model, data, { ...options, initialEpoch: checkpoint.initialEpoch, history: checkpoint.history });
    expect(await weightsHash(checkpoint.model)).toBe(await weightsHash(straight));
    straight.dispose();
    checkpoint.model.dispose();
  }, 60_000);
});

describe('seeded dropout masks', () => {
  it('draw the same mask for the same seed and another for another seed, on a backend without the mask kernel', async () => {
    await tf.setBackend('cpu');
    const model = buildMiniVGGNet({ seed: 1 });
    const layer = model.layers.find((l) => l.getClassName() === 'Dropout')!;
    const x = tf.ones([2, 8, 8, 32]);
    const mask = (seed: number | undefined) => {
      seedDropoutMasks(model, seed);
      try {
        return tf.tidy(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync()));
      } finally {
        seedDropoutMasks(model, undefined);
      }
    };
    const before = tf.memory().numTensors;
    const a = mask(3);
    expect(mask(3)).toEqual(a);
    expect(mask(4)).not.toEqual(a);
    // tfjs' dropout multiplier: 0 or 1 / (1 - rate), about a quarter zeros for rate 0.25.
    const zeros = a.filter((v) => v === 0).length / a.length;
    expect(zeros).toBeGreaterThan(0.2);
    expect(zeros).toBeLessThan(0.3);
    expect(new Set(a.map((v) => v.toFixed(4)))).toEqual(new Set(['0.0000', (1 / 0.75).toFixed(4)]));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
