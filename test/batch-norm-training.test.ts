import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuseBatchNormTraining } from '../src/architectures/batch-norm-training.js';
import { KerasSGD } from '../src/index.js';
import { registerWasmTrainingKernels } from '../src/wasm/node.js';
import { expectIdempotentPatchThatSavesUnpatched } from './helpers/layer-patches.js';
import { BATCH_NORM_TRAINING_GRADIENT_KERNEL, BATCH_NORM_TRAINING_KERNEL } from '../src/kernel-names.js';
import { disableSimdKernels, enableSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { kernelBuilds } from './helpers/kernel-builds.js';

beforeAll(() => {
  registerWasmTrainingKernels();
});

let seed = 7;
function random(shape: number[], offset = 0): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    seed = (seed * 16807) % 2147483647;
    values[i] = offset + (seed / 2147483647) * 2 - 1;
  }
  return tf.tensor(values, shape);
}

async function values(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  const out = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(tensors);
  return out;
}

/** Largest absolute difference over the largest magnitude (floored at `floor`). */
function relativeDifference(expected: Float32Array, actual: Float32Array, floor = 1e-6): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = floor;
  expected.forEach((e, i) => {
    diff = Math.max(diff, Math.abs(e - actual[i]!));
    scale = Math.max(scale, Math.abs(e));
  });
  return diff / scale;
}

const modes = [
  ...kernelBuilds().map((build) => [`on the SIMD kernels (${build} build)`, () => enableSimdKernels(1, undefined, { build }).then(() => undefined)] as const),
  ['on XNNPACK passes (simdKernels: false)', disableSimdKernels] as const,
];

describe.each(modes)(`the ${BATCH_NORM_TRAINING_KERNEL} kernel (wasm) %s`, (_, setUp) => {
  beforeAll(setUp);

  // The loss weighs all three outputs, so every gradient path of the closed form is checked
  // against tfjs' own gradients of tf.moments and tf.batchNorm on the cpu backend.
  it.each([[[4, 6, 6, 5]], [[16, 12]], [[32, 28, 28, 32]]] as const)('gives the outputs and gradients of tf.moments + tf.batchNorm for x %j', async (shape) => {
    const channels = shape[shape.length - 1]!;
    const axes = shape.map((_, i) => i).slice(0, -1);
    const inputs = (): tf.Tensor[] => {
      seed = 7;
      // An offset of 3 makes the mean large against the spread, as after a ReLU.
      return [random([...shape], 3), random([channels]), random([channels]), random([...shape]), random([channels]), random([channels])];
    };
    const run = async (backend: 'cpu' | 'wasm', f: (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => tf.Tensor[]) => {
      await tf.setBackend(backend);
      const [x, scale, offset, w, wMean, wVariance] = inputs() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const loss = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const [y, mean, variance] = f(a, s, o) as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.addN([tf.sum(tf.mul(y, w)), tf.sum(tf.mul(mean, wMean)), tf.sum(tf.mul(variance, wVariance))]);
      };
      const forward = tf.tidy(() => f(x, scale, offset));
      const gradients = tf.grads(loss)([x, scale, offset]);
      const result = await values([...forward, ...gradients]);
      tf.dispose([x, scale, offset, w, wMean, wVariance]);
      return result;
    };
    const expected = await run('cpu', (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, axes);
      return [tf.batchNorm(x, mean, variance, offset, scale, 0.001), mean, variance];
    });
    const actual = await run('wasm', (x, scale, offset) => tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, scale, offset }, { varianceEpsilon: 0.001 }) as tf.Tensor[]);
    expected.forEach((e, i) => expect(relativeDifference(e, actual[i]!)).toBeLessThan(1e-4));
  });

  it('frees everything but its outputs, forward and backward', async () => {
    await tf.setBackend('wasm');
    const heap = () => (tf.memory() as { numBytesInWASMHeap?: number }).numBytesInWASMHeap;
    const [x, scale, offset] = [random([4, 5, 5, 6]), random([6]), random([6])];
    const before = { tensors: tf.memory().numTensors, bytes: heap() };
    const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum((tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x: a, scale: s, offset: o }, { varianceEpsilon: 0.001 }) as tf.Tensor[])[0]!))([x, scale, offset]);
    expect(tf.memory().numTensors).toBe(before.tensors + 3);
    tf.dispose(grads);
    expect({ tensors: tf.memory().numTensors, bytes: heap() }).toEqual(before);
    tf.dispose([x, scale, offset]);
  });
});

describe.each(modes)('fuseBatchNormTraining %s', (mode, setUp) => {
  beforeAll(setUp);
  const build = (fused: boolean) => {
    const model = tfl.sequential();
    model.add(tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
    model.add(tfl.layers.activation({ activation: 'relu' }));
    model.add(tfl.layers.batchNormalization({ axis: -1, momentum: 0.9 }));
    model.add(tfl.layers.flatten());
    model.add(tfl.layers.dense({ units: 16, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }));
    model.compile({ optimizer: new KerasSGD({ learningRate: 0.05, momentum: 0.9, decay: 0.01 }), loss: 'categoricalCrossentropy' });
    if (fused) fuseBatchNormTraining(model);
    return model;
  };

  /** Every weight (batch norm's moving statistics included) after five training steps. */
  const weightsAfterTraining = async (backend: 'cpu' | 'wasm', fused: boolean) => {
    await tf.setBackend(backend);
    const model = build(fused);
    seed = 11;
    const xs = random([16, 8, 8, 2]);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), 3);
    for (let step = 0; step < 5; step++) await model.trainOnBatch(xs, ys);
    const weights = await values(model.getWeights().map((w) => w.clone()));
    tf.dispose([xs, ys]);
    model.dispose();
    return weights;
  };

  it("trains to the same weights and moving statistics as tfjs-layers' own batch norm", async () => {
    const reference = await weightsAfterTraining('cpu', false);
    for (const actual of [await weightsAfterTraining('wasm', true), await weightsAfterTraining('cpu', true)]) {
      // Floored at 0.01: a convolution bias before batch norm gets a gradient of pure rounding noise.
      reference.forEach((w, i) => expect(relativeDifference(w, actual[i]!, 0.01)).toBeLessThan(1e-4));
    }
  });

  it('runs the kernel when training on wasm, and the layer’s own code in inference and on other backends', async () => {
    const model = build(true);
    const layer = model.layers[2]!;
    const calls = async (backend: 'cpu' | 'wasm', training: boolean) => {
      await tf.setBackend(backend);
      const x = random([4, 8, 8, 6]);
      const profile = await tf.profile(() => layer.apply(x, { training }) as tf.Tensor);
      x.dispose();
      return profile.kernelNames;
    };
    expect(await calls('wasm', true)).toContain(BATCH_NORM_TRAINING_KERNEL);
    // (tf.profile does not see the backward pass; the gradient kernel is checked in a training step below.)
    expect(await calls('wasm', false)).not.toContain(BATCH_NORM_TRAINING_KERNEL);
    expect(await calls('cpu', true)).not.toContain(BATCH_NORM_TRAINING_KERNEL);
    model.dispose();
  });

  it('is idempotent and keeps the saved class name, so saved models load with plain tfjs-layers', () =>
    expectIdempotentPatchThatSavesUnpatched('BatchNormalization', 5, fuseBatchNormTraining));

  it('leaves no tensors behind in a training step on wasm', async () => {
    await tf.setBackend('wasm');
    const model = build(true);
    const xs = random([4, 8, 8, 2]);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    await model.trainOnBatch(xs, ys);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => model.trainOnBatch(xs, ys).then(() => tf.scalar(0)));
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose(profile.result as tf.Tensor);
    expect(profile.kernelNames.includes(BATCH_NORM_TRAINING_GRADIENT_KERNEL)).toBe(mode.startsWith('on the SIMD kernels'));
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
