import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuseDropoutTraining } from '../src/architectures/dropout-training.js';
import { DROPOUT_MASK_KERNEL } from '../src/kernel-names.js';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { registerWasmTrainingKernels } from '../src/wasm/node.js';
import { expectIdempotentPatchThatSavesUnpatched } from './helpers/layer-patches.js';
import { dropoutThreshold, laneSeeds } from '../src/wasm/kernels/dropout-mask.js';
import { disableSimdKernels, enableSimdKernels } from '../src/wasm/simd/lifecycle.js';

beforeAll(() => {
  registerWasmTrainingKernels();
});

const modes = [
  ['with the SIMD kernels', () => enableSimdKernels(1, undefined).then(() => undefined)],
  ['in JavaScript', () => disableSimdKernels()],
] as const;

async function mask(shape: number[], rate: number, seed: number): Promise<Float32Array> {
  await tf.setBackend('wasm');
  const t = tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape, rate, seed }) as tf.Tensor;
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

describe('dropoutThreshold', () => {
  it.each([0.25, 0.5, 0.1, 0.3, 0.9, 1e-7])("keeps exactly the values tfjs-core's floor(u + keep) keeps, rate %s", (rate) => {
    const keep = Math.fround(1 - rate);
    const { threshold, scale } = dropoutThreshold(rate);
    expect(scale).toBe(Math.fround(1 / keep));
    expect(Math.floor(Math.fround(threshold * 2 ** -24 + keep))).toBe(1);
    expect(Math.floor(Math.fround((threshold - 1) * 2 ** -24 + keep))).toBe(0);
  });

  it('gives the exact thresholds of the tutorial rates', () => {
    expect(dropoutThreshold(0.25)).toEqual({ threshold: 2 ** 22, scale: Math.fround(4 / 3) });
    expect(dropoutThreshold(0.5)).toEqual({ threshold: 2 ** 23, scale: 2 });
  });

  it('derives four different non-zero lane seeds from any seed', () => {
    for (const seed of [0, 1, 2 ** 32 - 1, 123456]) {
      const seeds = laneSeeds(seed);
      expect(new Set(seeds).size).toBe(4);
      expect(seeds.every((s) => s !== 0)).toBe(true);
    }
  });
});

describe.each(modes)(`the ${DROPOUT_MASK_KERNEL} kernel (wasm) %s`, (_, setUp) => {
  beforeAll(setUp);

  it('writes 0 or 1 / keep, keeping a fraction keep of the values', async () => {
    for (const [rate, scale] of [[0.25, Math.fround(4 / 3)], [0.5, 2]] as const) {
      const values = await mask([32, 14, 14, 32], rate, 99);
      expect(values.every((v) => v === 0 || v === scale)).toBe(true);
      const kept = values.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / values.length;
      // 200,704 draws: the standard deviation of the fraction is below 0.0012.
      expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.005);
    }
  });

  it('gives the same mask for the same seed, another for another seed, and no runs of equal lanes', async () => {
    const [a, b, c] = [await mask([1000], 0.5, 7), await mask([1000], 0.5, 7), await mask([1000], 0.5, 8)];
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // Lanes are independent: consecutive groups of four are not copies of each other.
    let equalGroups = 0;
    for (let i = 4; i < a.length; i += 4) if (a.subarray(i, i + 4).every((v, j) => v === a[i - 4 + j])) equalGroups++;
    expect(equalGroups).toBeLessThan(40);
  });

  it('handles lengths that are not multiples of four', async () => {
    for (const n of [1, 2, 3, 5, 7, 1001]) {
      const values = await mask([n], 0.25, 3);
      expect(values).toHaveLength(n);
      expect(values.every((v) => v === 0 || v === Math.fround(4 / 3))).toBe(true);
      expect(Array.from((await mask([1004], 0.25, 3)).subarray(0, n))).toEqual(Array.from(values));
    }
  });
});

describe('the SIMD and JavaScript masks', () => {
  it('are equal value for value', async () => {
    await enableSimdKernels(1, undefined);
    const simd = await mask([3, 333], 0.3, 12345);
    await disableSimdKernels();
    const js = await mask([3, 333], 0.3, 12345);
    expect(simd).toEqual(js);
  });
});

describe('fuseDropoutTraining', () => {
  const build = (dropout: tfl.layers.Layer) => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ inputShape: [50], units: 40, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
    model.add(dropout);
    model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
    fuseDropoutTraining(model);
    return model;
  };
  const input = () => tf.add(tf.randomUniform([64, 40], 0.5, 1.5, 'float32', 5), 0);

  it('multiplies by the kernel’s mask when training on wasm, and its gradient is the same mask', async () => {
    await tf.setBackend('wasm');
    const layer = build(tfl.layers.dropout({ rate: 0.25 })).layers[1]!;
    const x = input();
    // f(x) = Σ dropout(x): its gradient is the mask, and its value Σ x·mask if the output used that mask.
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => tf.sum(layer.apply(a, { training: true }) as tf.Tensor))(x);
    const [xs, mask] = [x.dataSync() as Float32Array, grad.dataSync() as Float32Array];
    const scale = Math.fround(4 / 3);
    expect(mask.every((m) => m === 0 || m === scale)).toBe(true);
    const kept = mask.reduce((n, m) => n + (m !== 0 ? 1 : 0), 0) / mask.length;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.05);
    const expected = mask.reduce((sum, m, i) => sum + m * xs[i]!, 0);
    expect(Math.abs(value.dataSync()[0]! - expected) / expected).toBeLessThan(1e-5);
    tf.dispose([x, value, grad]);
  });

  it('runs the kernel only when training on wasm, unseeded and without a noise shape', async () => {
    const kernels = async (layer: tfl.layers.Layer, backend: 'cpu' | 'wasm', training: boolean) => {
      await tf.setBackend(backend);
      const model = build(layer);
      const x = input();
      const profile = await tf.profile(() => model.layers[1]!.apply(x, { training }) as tf.Tensor);
      tf.dispose([x, profile.result as tf.Tensor]);
      model.dispose();
      return profile.kernelNames;
    };
    expect(await kernels(tfl.layers.dropout({ rate: 0.5 }), 'wasm', true)).toContain(DROPOUT_MASK_KERNEL);
    expect(await kernels(tfl.layers.dropout({ rate: 0.5 }), 'wasm', false)).not.toContain(DROPOUT_MASK_KERNEL);
    expect(await kernels(tfl.layers.dropout({ rate: 0.5 }), 'cpu', true)).not.toContain(DROPOUT_MASK_KERNEL);
    expect(await kernels(tfl.layers.dropout({ rate: 0.5, seed: 1 }), 'wasm', true)).not.toContain(DROPOUT_MASK_KERNEL);
    expect(await kernels(tfl.layers.dropout({ rate: 0.5, noiseShape: [1, 40] }), 'wasm', true)).not.toContain(DROPOUT_MASK_KERNEL);
  });

  it('passes the input through in inference', async () => {
    await tf.setBackend('wasm');
    const model = build(tfl.layers.dropout({ rate: 0.5 }));
    const x = input();
    const y = model.layers[1]!.apply(x, { training: false }) as tf.Tensor;
    expect(y.dataSync()).toEqual(x.dataSync());
    tf.dispose([x, y]);
    model.dispose();
  });

  it('is idempotent and keeps the saved class name, so saved models load with plain tfjs-layers', () =>
    expectIdempotentPatchThatSavesUnpatched('Dropout', 3, fuseDropoutTraining));

  it('leaves no tensors behind in a MiniVGGNet training step on wasm', async () => {
    await tf.setBackend('wasm');
    const model = buildMiniVGGNet({ seed: 1 });
    model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy' });
    const xs = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 2);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    await model.trainOnBatch(xs, ys);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => model.trainOnBatch(xs, ys).then(() => tf.scalar(0)));
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(profile.kernelNames).toContain(DROPOUT_MASK_KERNEL);
    expect(profile.kernelNames).not.toContain('Floor');
    tf.dispose([profile.result as tf.Tensor, xs, ys]);
    (model.optimizer as KerasSGD).dispose();
    model.dispose();
  });
});
