import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildMiniVGGNet,
  earlyStopping,
  evaluateModel,
  InvalidArgumentError,
  KerasSGD,
  progressBar,
  trainFashionMnist,
  type EpochLogs,
  type FashionMnistSplit,
  type TrainingCallbacks,
} from '../src/index.js';
import { imagesToTensor, modelImageSpec } from '../src/datasets/tensors.js';
import { registerBroadcastBatchNormGradient } from '../src/training/batch-norm-gradient.js';
import { bandSplit, failingModel, flatModel, miniVggLike, smallModel, weightsOf } from './helpers/models.js';
import { scorePredictions } from '../src/training/evaluate.js';
import { formatMetric, renderBar } from '../src/training/progress.js';
import { tempDir } from './helpers/temp-dir.js';
import { wasmBackend } from './helpers/wasm-backend.js';

const work = tempDir('training');
wasmBackend();

describe('KerasSGD', () => {
  // w = 1, loss = w^2 (gradient 2w), lr 0.1, momentum 0.9, decay 0.5. By hand:
  //   step 0: lr 0.1/(1+0)      = 0.1,        v = -0.1*2                     = -0.2,        w = 0.8
  //   step 1: lr 0.1/(1+0.5)    = 0.0666667,  v = 0.9*-0.2 - 0.0666667*1.6     = -0.2866667,  w = 0.5133333
  //   step 2: lr 0.1/(1+1)      = 0.05,       v = 0.9*-0.2866667 - 0.05*1.0266667 = -0.3093333, w = 0.2040000
  it('follows the Keras update with time-based decay', () => {
    const w = tf.variable(tf.scalar(1));
    const optimizer = new KerasSGD({ learningRate: 0.1, momentum: 0.9, decay: 0.5 });
    const expected = [0.8, 0.5133333, 0.204];
    for (let step = 0; step < 3; step++) {
      expect(optimizer.currentLearningRate).toBeCloseTo(0.1 / (1 + 0.5 * step), 7);
      optimizer.minimize(() => tf.square(w));
      expect(w.dataSync()[0]).toBeCloseTo(expected[step]!, 6);
    }
    expect(optimizer.iterations).toBe(3);
    // tfjs' momentum optimizer scales the accumulated gradient by the current rate instead, which
    // gives a different third step once the rate has decayed.
    optimizer.dispose();
    w.dispose();
  });

  it('defaults to the tutorial settings and round-trips its state', async () => {
    const defaults = new KerasSGD();
    expect([defaults.learningRate, defaults.momentum, defaults.decay]).toEqual([0.01, 0.9, 0.01 / 25]);
    const w = tf.variable(tf.tensor1d([1, -2]));
    const a = new KerasSGD({ learningRate: 0.1, momentum: 0.9, decay: 0.5 });
    a.minimize(() => tf.sum(tf.square(w)));
    const state = await a.getWeights();
    const b = new KerasSGD({ learningRate: 0.1, momentum: 0.9, decay: 0.5 });
    await b.setWeights(state.map(({ name, tensor }) => ({ name, tensor: tensor.clone() })));
    expect(b.iterations).toBe(1);
    const w2 = tf.variable(w.clone());
    a.minimize(() => tf.sum(tf.square(w)));
    b.minimize(() => tf.sum(tf.square(w2)));
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    tf.dispose([w, w2]);
    a.dispose();
    b.dispose();
  });

  it('rejects bad settings', () => {
    expect(() => new KerasSGD({ momentum: 1.5 })).toThrow('Argument `options.momentum` must be a number from 0 to 1, but received 1.5.');
    expect(() => new KerasSGD({ weightDecay: -1e-4 })).toThrow('Argument `options.weightDecay` must be a non-negative finite number, but received -0.0001.');
  });

  // loss = sum(w²) + sum(b²) (gradients 2w, 2b), lr 0.1, momentum 0.9, no decay, weight decay 0.5:
  //   matrix w = [[1, -2]]:  g = 2w + 0.5w = 2.5w, v = -0.25w, w' = 0.75w = [[0.75, -1.5]]
  //   vector b = [1, -2] (not decayed): g = 2b, v = -0.2b, b' = 0.8b = [0.8, -1.6]
  it('adds weight decay to the gradients of matrices and kernels only, and saves it in its configuration', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([1, -2]));
    const optimizer = new KerasSGD({ learningRate: 0.1, momentum: 0.9, decay: 0, weightDecay: 0.5 });
    optimizer.minimize(() => tf.add(tf.sum(tf.square(w)), tf.sum(tf.square(b))));
    expect(Array.from(w.dataSync())).toEqual([0.75, -1.5]);
    expect(Array.from(b.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.8, -1.6]);
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.1, momentum: 0.9, decay: 0, weightDecay: 0.5 });
    // Without weight decay the configuration is the one saved before the option existed.
    expect(new KerasSGD().getConfig()).toEqual({ learningRate: 0.01, momentum: 0.9, decay: 0.01 / 25 });
    expect((KerasSGD.fromConfig(KerasSGD, optimizer.getConfig()) as KerasSGD).weightDecay).toBe(0.5);
    optimizer.dispose();
    tf.dispose([w, b]);
  });
});

describe('trainFashionMnist', () => {
  it('trains, validates and returns the history in Keras shape, calling callbacks in order', async () => {
    const events: string[] = [];
    const spy: TrainingCallbacks = {
      onTrainBegin: (info) => void events.push(`begin ${info.epochs} ${info.stepsPerEpoch} ${info.batchSize}`),
      onEpochBegin: (epoch) => void events.push(`epoch ${epoch}`),
      onBatchEnd: (step) => void events.push(`batch ${step}`),
      onEpochEnd: (epoch, logs) => void events.push(`end ${epoch} ${logs.val_accuracy !== undefined}`),
      onTrainEnd: (_logs, result) => void events.push(`done ${result.epoch.length}`),
    };
    const before = tf.memory().numTensors;
    const model = smallModel();
    const result = await trainFashionMnist(model, { train: bandSplit(48), test: bandSplit(24, 1) }, { epochs: 4, batchSize: 16, learningRate: 0.05, callbacks: [spy] });
    expect(events).toEqual([
      'begin 4 3 16',
      ...[0, 1, 2, 3].flatMap((e) => [`epoch ${e}`, 'batch 0', 'batch 1', 'batch 2', `end ${e} true`]),
      'done 4',
    ]);
    expect(result.epoch).toEqual([0, 1, 2, 3]);
    expect(Object.keys(result.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    for (const series of Object.values(result.history)) expect(series).toHaveLength(4);
    // The bands are trivially separable: the network must learn them.
    expect(result.history.loss[3]!).toBeLessThan(result.history.loss[0]!);
    expect(result.history.val_accuracy[3]!).toBeGreaterThan(0.9);
    expect(model.optimizer).toBeInstanceOf(KerasSGD);
    expect((model.optimizer as KerasSGD).decay).toBeCloseTo(0.05 / 4, 12);
    model.dispose();
    (model.optimizer as KerasSGD).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops when the loss becomes NaN', async () => {
    const model = smallModel();
    // A loss that is NaN from the first batch (cross-entropy clips probabilities, so NaN weights
    // alone do not show in it on every backend).
    model.compile({ optimizer: new KerasSGD(), loss: (_yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mul(tf.mean(yPred), NaN), metrics: ['accuracy'] });
    const result = await trainFashionMnist(model, { train: bandSplit(32) }, { epochs: 5, batchSize: 8 });
    expect(result.stopped).toBe('nan-loss');
    expect(result.epoch).toEqual([]);
    model.dispose();
  });

  it('stops when a callback returns false', async () => {
    const model = smallModel();
    const result = await trainFashionMnist(model, { train: bandSplit(16) }, { epochs: 5, batchSize: 8, callbacks: [{ onEpochEnd: (epoch) => epoch < 1 }] });
    expect(result).toMatchObject({ stopped: 'callback', epoch: [0, 1] });
    expect(result.history.val_loss).toEqual([]);
    model.dispose();
  });

  it('finds the accuracy among other compiled metrics, and refuses a model compiled without it', async () => {
    const model = smallModel();
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy', metrics: ['mse', 'accuracy'] });
    const result = await trainFashionMnist(model, { train: bandSplit(8) }, { epochs: 2, batchSize: 8 });
    // One batch of 8 per epoch: an accuracy is a whole number of eighths, a mean squared error is not.
    for (const accuracy of result.history.accuracy) expect(Number.isInteger(accuracy * 8)).toBe(true);
    const bare = smallModel();
    bare.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
    const error = await trainFashionMnist(bare, { train: bandSplit(8) }, { epochs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe("Argument `model.metricsNames` must be a list that includes 'acc' (compile with metrics: ['accuracy'], or leave the model uncompiled to get the tutorial's settings), but received [\"loss\"].");
    model.dispose();
    bare.dispose();
  });

  it.each([
    [{ epochs: 0 }, 'Argument `options.epochs` must be a positive integer, but received 0.'],
    [{ batchSize: 2.5 }, 'Argument `options.batchSize` must be a positive integer, but received 2.5.'],
    [{ epochs: 2, initialEpoch: 3 }, 'Argument `options.initialEpoch` must be at most options.epochs (2), but received 3.'],
  ])('rejects %j', async (options, message) => {
    const error = await trainFashionMnist(smallModel(), { train: bandSplit(4) }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });
});

describe('argument errors', () => {
  it.each([
    [() => evaluateModel(smallModel(), bandSplit(3), { batchSize: 0 }), 'Argument `options.batchSize` must be a positive integer, but received 0.'],
    [() => evaluateModel(smallModel(), { ...bandSplit(1), count: 0 }), 'Argument `split` must be a split with at least one image, but received 0.'],
  ] as Array<[() => Promise<unknown>, string]>)('rejects bad arguments %#', async (call, message) => {
    const error = await Promise.resolve().then(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });
});

describe('evaluation and progress', () => {
  it('scores probabilities as Keras does', () => {
    const probabilities = new Float32Array([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0, 1, 0]);
    const result = scorePredictions(probabilities, new Uint8Array([0, 2, 0]), 3);
    expect(Array.from(result.predictions)).toEqual([0, 2, 1]);
    expect(result.accuracy).toBeCloseTo(2 / 3, 12);
    // -(log 0.7 + log 0.6 + log 1e-7) / 3: the zero probability is clipped to 1e-7.
    expect(result.loss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6) + Math.log(1e-7)) / 3, 5);
  });

  it('evaluates a model on a split without leaking tensors', async () => {
    const model = smallModel();
    const before = tf.memory().numTensors;
    const evaluation = await evaluateModel(model, bandSplit(10), { batchSize: 4 });
    expect(evaluation.predictions).toHaveLength(10);
    expect(evaluation.probabilities).toHaveLength(100);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });


  it('runs the model once per batch of batchSize images, not in model.predict\'s batches of 32', async () => {
    const model = smallModel();
    const split = bandSplit(100);
    const firstLayerInputs = async (batchSize: number) => {
      const { kernels } = await tf.profile(async () => void (await evaluateModel(model, split, { batchSize })));
      const first = kernels.filter((k) => k.name.includes('Conv2D') && k.inputShapes[0]?.[1] === 28);
      return first.map((k) => k.inputShapes[0]![0]);
    };
    expect(new Set(await firstLayerInputs(64))).toEqual(new Set([64, 36]));
    expect(new Set(await firstLayerInputs(100))).toEqual(new Set([100]));
    model.dispose();
  });
  it('prints Keras-style lines', async () => {
    expect(renderBar(1875, 1875)).toBe('[==============================]');
    expect(renderBar(512, 1875)).toBe('[=======>......................]');
    expect(renderBar(0, 10)).toBe('[..............................]');
    expect(formatMetric(0.52304)).toBe('0.5230');
    expect(formatMetric(0.00012345)).toBe('1.2345e-04');
    let text = '';
    const model = smallModel();
    await trainFashionMnist(model, { train: bandSplit(20), test: bandSplit(6) }, { epochs: 2, batchSize: 8, callbacks: [progressBar({ stream: { write: (t: string) => (text += t) } })] });
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[1]).toMatch(/^3\/3 \[==============================\] - \d+s \d+m?s\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/);
    expect(lines[2]).toBe('Epoch 2/2');
    model.dispose();
  });
});

/** The split with every label moved to the next class: a model that learns the bands gets worse on it. */
function mislabeled(split: FashionMnistSplit): FashionMnistSplit {
  return { ...split, labels: split.labels.map((label) => (label + 1) % 3) };
}

/** Disposes of a model and its optimizer, as a finished run should. */
function disposeModel(model: tfl.LayersModel): void {
  (model.optimizer as KerasSGD | undefined)?.dispose();
  model.dispose();
}

describe('models of every MiniVGGNet shape', () => {
  it('trains batch norm on the channel axis of channelsFirst data (tensorflow/tfjs#1773)', () => {
    registerBroadcastBatchNormGradient();
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const weights = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 2);
    const stats = [[0.1, -0.2, 0.3], [1.5, 0.5, 2], [0.2, 0.1, -0.1], [1.1, 0.9, 1.3]].map((values) => tf.tensor1d(values));
    const broadcast = (t: tf.Tensor) => tf.reshape(t, [1, 3, 1, 1]);
    // The same normalisation, channelsFirst with [1, 3, 1, 1] statistics and channelsLast with 1-D ones.
    const first = tf.grads((input: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(input, broadcast(mean), broadcast(variance), broadcast(offset), broadcast(scale), 1e-3), weights)),
    )([x, ...stats]);
    const last = tf.grads((input: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(tf.transpose(input, [0, 2, 3, 1]), mean, variance, offset, scale, 1e-3), tf.transpose(weights, [0, 2, 3, 1]))),
    )([x, ...stats]);
    first.forEach((gradient, i) => {
      expect(gradient.shape).toEqual(last[i]!.shape);
      const expected = last[i]!.dataSync();
      gradient.dataSync().forEach((value, j) => expect(value).toBeCloseTo(expected[j]!, 4));
    });
    tf.dispose([x, weights, ...stats, ...first, ...last]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lays images out as the model wants them: channelsFirst, other sizes, gray copied into each channel', () => {
    const split = bandSplit(2);
    const before = tf.memory().numTensors;
    const first = imagesToTensor(split, [0, 1], { dataFormat: 'channelsFirst', channels: 3, height: 28, width: 28 });
    expect(first.shape).toEqual([2, 3, 28, 28]);
    const [c0, c1, c2] = tf.split(first, 3, 1);
    expect(Array.from(c0!.dataSync())).toEqual(Array.from(split.images, (v) => Math.fround(v / 255)));
    expect(Array.from(c2!.dataSync())).toEqual(Array.from(c1!.dataSync()));
    const resized = imagesToTensor(split, [1], { height: 56, width: 14 });
    expect(resized.shape).toEqual([1, 56, 14, 1]);
    tf.dispose([first, c0!, c1!, c2!, resized]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads the layout, size and classes of a model', () => {
    const model = miniVggLike(1, { dataFormat: 'channelsFirst', depth: 3, height: 16, width: 12, classes: 4 });
    expect(modelImageSpec(model)).toEqual({ height: 16, width: 12, channels: 3, dataFormat: 'channelsFirst', classes: 4 });
    model.dispose();
  });

  it('trains and evaluates a channelsFirst MiniVGGNet-like model', async () => {
    const before = tf.memory().numTensors;
    const model = miniVggLike(3, { dataFormat: 'channelsFirst' });
    const result = await trainFashionMnist(model, { train: bandSplit(48), test: bandSplit(24, 1) }, { epochs: 4, batchSize: 16, learningRate: 0.05 });
    expect(result.history.loss[3]!).toBeLessThan(result.history.loss[0]!);
    expect(result.history.val_accuracy[3]!).toBeGreaterThan(0.9);
    const evaluation = await evaluateModel(model, bandSplit(24, 1));
    expect(evaluation.accuracy).toBe(result.history.val_accuracy[3]);
    expect(evaluation.probabilities).toHaveLength(24 * 10);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains a model with 3 classes, one-hot encoding over its classes', async () => {
    const before = tf.memory().numTensors;
    const model = miniVggLike(4, { classes: 3 });
    const result = await trainFashionMnist(model, { train: bandSplit(48), test: bandSplit(24, 1) }, { epochs: 4, batchSize: 16, learningRate: 0.05 });
    expect(result.history.val_accuracy[3]!).toBeGreaterThan(0.9);
    const evaluation = await evaluateModel(model, bandSplit(6));
    expect(evaluation.probabilities).toHaveLength(6 * 3);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains the real MiniVGGNet built channelsFirst, with 3 channels, another size and 3 classes', async () => {
    const before = tf.memory().numTensors;
    const model = buildMiniVGGNet({ dataFormat: 'channelsFirst', depth: 3, width: 16, height: 12, classes: 3, seed: 1 });
    const result = await trainFashionMnist(model, { train: bandSplit(16), test: bandSplit(6, 1) }, { epochs: 1, batchSize: 8 });
    expect(result.history.loss[0]).toBeGreaterThan(0);
    expect(result.history.val_accuracy).toHaveLength(1);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resizes the images for a model of another size and copies gray into its 3 channels', async () => {
    const before = tf.memory().numTensors;
    const model = miniVggLike(5, { depth: 3, height: 32, width: 20, classes: 3 });
    const result = await trainFashionMnist(model, { train: bandSplit(48), test: bandSplit(12, 1) }, { epochs: 2, batchSize: 16, learningRate: 0.05 });
    expect(result.history.val_loss).toHaveLength(2);
    expect((await evaluateModel(model, bandSplit(5))).predictions).toHaveLength(5);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad data and models leak nothing', () => {
  const flat = 'Argument `model.inputs[0].shape` must be [null, height, width, channels] or [null, channels, height, width] (a batch of images), but received [null, 784].';
  it.each([
    ['a model that takes no images (train)', flatModel, (model) => trainFashionMnist(model, { train: bandSplit(4) }, { epochs: 1 }), flat],
    ['a model that takes no images (evaluate)', flatModel, (model) => evaluateModel(model, bandSplit(4)), flat],
    ['labels past the last class (train)', () => miniVggLike(1, { classes: 2 }), (model) => trainFashionMnist(model, { train: bandSplit(4) }, { epochs: 1 }), "Argument `data.train.labels[2]` must be a class index below the model's 2 classes (0 to 1), but received 2."],
    ['labels past the last class (validation)', () => miniVggLike(1, { classes: 3 }), (model) => trainFashionMnist(model, { train: bandSplit(4), test: { ...bandSplit(2), labels: new Uint8Array([0, 7]) } }, { epochs: 1 }), "Argument `data.test.labels[1]` must be a class index below the model's 3 classes (0 to 2), but received 7."],
    ['labels past the last class (evaluate)', () => miniVggLike(1, { classes: 2 }), (model) => evaluateModel(model, bandSplit(4)), "Argument `split.labels[2]` must be a class index below the model's 2 classes (0 to 1), but received 2."],
    ['a truncated split', smallModel, (model) => evaluateModel(model, { ...bandSplit(2), images: new Uint8Array(100) }), 'Argument `split.images` must be a Uint8Array of count * height * width = 1568 bytes, but received Uint8Array of length 100.'],
    ['a split without labels', smallModel, (model) => trainFashionMnist(model, { train: { ...bandSplit(2), labels: new Uint8Array(1) } }), 'Argument `data.train.labels` must be a Uint8Array of count = 2 class indices, but received Uint8Array of length 1.'],
    ['no data', smallModel, (model) => trainFashionMnist(model, undefined as never), 'Argument `data` must be an object { train, test? } of splits, but received undefined.'],
  ] as Array<[string, () => tfl.LayersModel, (model: tfl.LayersModel) => Promise<unknown>, string]>)('rejects %s with a clear error', async (_name, build, call, message) => {
    const model = build();
    const before = tf.memory().numTensors;
    const error = await call(model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.optimizer).toBeUndefined();
    model.dispose();
  });

  it('disposes of the batch when the model throws during evaluation', async () => {
    const model = failingModel();
    const before = tf.memory().numTensors;
    await expect(evaluateModel(model, bandSplit(4))).rejects.toThrow('FailingLayer was called');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('disposes of the batch when the model throws during training, leaving only what tfjs itself leaks', async () => {
    const model = failingModel();
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    // tfjs-core keeps the tensors its gradient tape saved before a forward pass threw (1 here).
    const x = tf.zeros([4, 28, 28, 1]);
    const y = tf.zeros([4, 10]);
    const start = tf.memory().numTensors;
    await expect(model.trainOnBatch(x, y)).rejects.toThrow('FailingLayer was called');
    const tfjsLeak = tf.memory().numTensors - start;
    tf.dispose([x, y]);
    for (let call = 0; call < 2; call++) {
      const before = tf.memory().numTensors;
      await expect(trainFashionMnist(model, { train: bandSplit(4) }, { epochs: 1 })).rejects.toThrow('FailingLayer was called');
      expect(tf.memory().numTensors - before).toBe(tfjsLeak);
    }
    expect(tfjsLeak).toBeLessThanOrEqual(1);
    model.dispose();
  });
});

describe('callbacks', () => {
  const data = { train: bandSplit(48), test: mislabeled(bandSplit(24, 1)) };
  const options = { epochs: 12, batchSize: 16, learningRate: 0.05 };

  /** The last epoch an early stop with patience 0 on val_loss allows: the first that does not improve. */
  function firstWorse(valLoss: number[]): number {
    return valLoss.findIndex((loss, i) => i > 0 && loss >= Math.min(...valLoss.slice(0, i)));
  }

  it("stops on tfjs-layers' tf.callbacks.earlyStopping({ patience: 0 })", async () => {
    const model = smallModel(7);
    const result = await trainFashionMnist(model, data, { ...options, callbacks: [tfl.callbacks.earlyStopping({ patience: 0 })] });
    expect(result.stopped).toBe('callback');
    const stop = firstWorse(result.history.val_loss);
    expect(stop).toBeGreaterThan(0);
    expect(result.epoch).toEqual(Array.from({ length: stop + 1 }, (_, i) => i));
    disposeModel(model);
  });

  it('stops on the library\'s earlyStopping and restores the best weights without leaking', async () => {
    const model = smallModel(7);
    const before = tf.memory().numTensors;
    const weights: Float32Array[][] = [];
    const spy: TrainingCallbacks = { onEpochEnd: async () => void weights.push(await weightsOf(model)) };
    const result = await trainFashionMnist(model, data, { ...options, callbacks: [spy, earlyStopping({ patience: 2, restoreBestWeights: true })] });
    expect(result.stopped).toBe('callback');
    const losses = result.history.val_loss;
    const best = losses.indexOf(Math.min(...losses));
    // Patience 2: the run ends after the second epoch in a row without a new best.
    expect(losses.length - 1 - best).toBe(2);
    expect(await weightsOf(model)).toEqual(weights[best]);
    expect(await weightsOf(model)).not.toEqual(weights.at(-1));
    // The optimizer's state is the only thing training adds.
    const optimizerTensors = (await (model.optimizer as KerasSGD).getWeights()).length;
    expect(tf.memory().numTensors).toBe(before + optimizerTensors);
    disposeModel(model);
  });

  it('follows Keras: patience counts epochs without improvement, minDelta sets what counts', async () => {
    const run = async (values: number[], settings: Parameters<typeof earlyStopping>[0]) => {
      const callback = earlyStopping(settings);
      callback.onTrainBegin!({ epochs: 10, initialEpoch: 0, stepsPerEpoch: 1, batchSize: 1, samples: 1, validationSamples: 1 }, undefined as never);
      for (const [epoch, value] of values.entries()) {
        const logs: EpochLogs = { loss: value, accuracy: value, val_loss: value, val_accuracy: value, seconds: 0 };
        if ((await callback.onEpochEnd!(epoch, logs, { epoch: [], history: { loss: [], accuracy: [], val_loss: [], val_accuracy: [] } })) === false) return epoch;
      }
      return undefined;
    };
    expect(await run([1, 0.9, 0.95, 0.92, 0.8], {})).toBe(2);
    expect(await run([1, 0.9, 0.95, 0.92, 0.8], { patience: 1 })).toBe(2);
    expect(await run([1, 0.9, 0.95, 0.92, 0.8], { patience: 2 })).toBe(3);
    expect(await run([1, 0.9, 0.95, 0.8, 0.7], { patience: 2 })).toBeUndefined();
    expect(await run([1, 0.95, 0.91], { minDelta: 0.06 })).toBe(1);
    expect(await run([0.5, 0.4, 0.45], { monitor: 'val_accuracy' })).toBe(1);
    expect(await run([0.5, 0.6, 0.45], { monitor: 'accuracy', patience: 2 })).toBeUndefined();
  });

  it.each([
    [{ patience: -1 }, 'Argument `options.patience` must be a non-negative integer, but received -1.'],
    [{ minDelta: -0.1 }, 'Argument `options.minDelta` must be a non-negative finite number, but received -0.1.'],
    [{ monitor: 'val_acc' }, "Argument `options.monitor` must be one of \"val_loss\", \"val_accuracy\", \"loss\" or \"accuracy\", but received \"val_acc\"."],
  ])('earlyStopping rejects %j', (settings, message) => {
    expect(() => earlyStopping(settings as never)).toThrow(message);
  });

  it('refuses to watch a validation metric without a validation split', async () => {
    const error = await trainFashionMnist(smallModel(), { train: bandSplit(8) }, { epochs: 1, callbacks: [earlyStopping()] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe('Argument `options.monitor` must be one of "loss" or "accuracy" when there is no validation split (data.test), but received "val_loss".');
  });

  it('drives tfjs-layers callbacks as model.fit does (History, CustomCallback)', async () => {
    const model = smallModel(2);
    const history = new tfl.History();
    const events: string[] = [];
    const custom = new tfl.CustomCallback({
      onTrainBegin: async () => void events.push('begin'),
      onEpochEnd: async (epoch, logs) => void events.push(`epoch ${epoch} ${Object.keys(logs ?? {}).join(',')}`),
      onTrainEnd: async () => void events.push('end'),
    });
    const result = await trainFashionMnist(model, data, { epochs: 2, batchSize: 16, callbacks: [history, custom] });
    expect(history.epoch).toEqual(result.epoch);
    expect(history.history['loss']).toEqual(result.history.loss);
    expect(history.history['val_accuracy']).toEqual(result.history.val_accuracy);
    expect(history.params).toMatchObject({ epochs: 2, samples: 48, steps: 3, batchSize: 16, doValidation: true });
    expect(events).toEqual(['begin', 'epoch 0 loss,accuracy,seconds,val_loss,val_accuracy', 'epoch 1 loss,accuracy,seconds,val_loss,val_accuracy', 'end']);
    disposeModel(model);
  });

  it('accepts plain objects shaped like tfjs-layers CustomCallbackArgs and tfjs-vis callbacks', async () => {
    const model = smallModel(2);
    const seen: tfl.Logs[] = [];
    // tfjs-vis' show.fitCallbacks returns functions of this type.
    const visLike: { [hook: string]: (iteration: number, logs: tfl.Logs) => Promise<void> } = { onEpochEnd: async (_epoch, logs) => void seen.push(logs) };
    const args: tfl.CustomCallbackArgs = { onBatchEnd: async (_batch, logs) => void seen.push(logs!) };
    await trainFashionMnist(model, data, { epochs: 1, batchSize: 24, callbacks: [visLike, args] });
    expect(seen.map((logs) => Object.keys(logs).sort().join(','))).toEqual([
      'accuracy,batch,loss,size',
      'accuracy,batch,loss,size',
      'accuracy,loss,seconds,val_accuracy,val_loss',
    ]);
    disposeModel(model);
  });

  it('stops mid-epoch when a callback sets model.stopTraining', async () => {
    const model = smallModel(2);
    const steps: number[] = [];
    const callback: TrainingCallbacks = {
      onTrainBegin: (_info, trained) => void (trained.stopTraining = true),
      onBatchEnd: (step) => {
        steps.push(step);
        if (step === 1) model.stopTraining = true;
      },
    };
    const result = await trainFashionMnist(model, data, { epochs: 3, batchSize: 8, callbacks: [callback] });
    // A stop requested in onTrainBegin is reset, as model.fit does; the one in batch 1 ends the run.
    expect(steps).toEqual([0, 1]);
    expect(result).toMatchObject({ stopped: 'callback', epoch: [0] });
    expect(result.history.val_loss).toHaveLength(1);
    disposeModel(model);
  });

  it.each([
    [[42], 'Argument `options.callbacks[0]` must be a callback: an object with onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd or onTrainEnd, or a tfjs-layers Callback such as tf.callbacks.earlyStopping(), but received 42.'],
    [[{ onEpochEnds: () => {} }], 'Argument `options.callbacks[0]` must be a callback: an object with onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd or onTrainEnd, or a tfjs-layers Callback such as tf.callbacks.earlyStopping(), but received an object (Object).'],
    [[progressBar({ stream: { write: () => true } }), { onEpochEnd: 'log' }], 'Argument `options.callbacks[1].onEpochEnd` must be a function, but received "log".'],
  ])('rejects callbacks that are not %#', async (callbacks, message) => {
    const model = smallModel();
    const error = await trainFashionMnist(model, { train: bandSplit(4) }, { epochs: 1, callbacks: callbacks as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
    expect(model.optimizer).toBeUndefined();
    model.dispose();
  });
});

it('keeps its temporary folder clean', () => {
  expect(existsSync(work)).toBe(true);
});

describe('label smoothing', () => {
  it("smooths the one-hot training targets as Keras' label_smoothing does, and leaves them one-hot at 0", async () => {
    const targets: Float32Array[] = [];
    const model = smallModel();
    const before = tf.memory().numTensors;
    const capture = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
      targets.push(yTrue.dataSync() as Float32Array);
      return tfl.metrics.categoricalCrossentropy(yTrue, yPred);
    };
    model.compile({ optimizer: new KerasSGD(), loss: capture, metrics: ['accuracy'] });
    const train = bandSplit(4);
    await trainFashionMnist(model, { train }, { epochs: 1, batchSize: 4, shuffle: false, labelSmoothing: 0.1 });
    await trainFashionMnist(model, { train }, { epochs: 1, batchSize: 4, shuffle: false });
    const oneHot = Array.from(train.labels).flatMap((label) => Array.from({ length: 10 }, (_, k) => (k === label ? 1 : 0)));
    expect(Array.from(targets[0]!)).toEqual(oneHot.map((v) => Math.fround(Math.fround(v * Math.fround(0.9)) + Math.fround(0.01))));
    expect(Array.from(targets[1]!)).toEqual(oneHot);
    const state = await (model.optimizer as KerasSGD).getWeights();
    state[0]!.tensor.dispose();
    expect(tf.memory().numTensors).toBe(before + state.length - 1);
    disposeModel(model);
  });

  it('compiles an uncompiled model with the weight decay asked for', async () => {
    const model = smallModel();
    await trainFashionMnist(model, { train: bandSplit(8) }, { epochs: 1, batchSize: 4, weightDecay: 5e-4 });
    expect((model.optimizer as KerasSGD).weightDecay).toBe(5e-4);
    await expect(trainFashionMnist(smallModel(), { train: bandSplit(4) }, { weightDecay: -1 })).rejects.toThrow(
      'Argument `options.weightDecay` must be a non-negative finite number, but received -1.',
    );
    (model.optimizer as KerasSGD).dispose();
    model.dispose();
  });

  it.each([-0.1, 1.5, Number.NaN])('rejects labelSmoothing %s', async (labelSmoothing) => {
    const error = await trainFashionMnist(smallModel(), { train: bandSplit(4) }, { labelSmoothing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(`Argument \`options.labelSmoothing\` must be a number from 0 to 1, but received ${labelSmoothing}.`);
  });
});
