import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluateModel,
  InvalidArgumentError,
  KerasSGD,
  progressBar,
  trainFashionMnist,
  type TrainingCallbacks,
} from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { bandSplit, smallModel, weightsOf } from './helpers/models.js';
import { scorePredictions } from '../src/training/evaluate.js';
import { formatMetric, renderBar } from '../src/training/progress.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-training-'));
beforeAll(async () => {
  await useWasmBackend({ threads: 1 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

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
    expect(() => new KerasSGD({ momentum: 1.5 })).toThrow('Argument `options.momentum` must be a number between 0 and 1, but received 1.5.');
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
    [() => evaluateModel(smallModel(), bandSplit(3), 0), 'Argument `batchSize` must be a positive integer, but received 0.'],
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
    const evaluation = await evaluateModel(model, bandSplit(10), 4);
    expect(evaluation.predictions).toHaveLength(10);
    expect(evaluation.probabilities).toHaveLength(100);
    expect(tf.memory().numTensors).toBe(before);
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

it('keeps its temporary folder clean', () => {
  expect(existsSync(work)).toBe(true);
});
