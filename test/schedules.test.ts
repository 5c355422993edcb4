import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointCallback,
  cosineDecay,
  InvalidArgumentError,
  KerasSGD,
  kerasTimeDecay,
  loadCheckpoint,
  oneCycle,
  stepDecay,
  trainFashionMnist,
  type FashionMnistSplit,
  type LearningRateSchedule,
  type ScheduleStep,
  type TrainOptions,
} from '../src/node.js';
import { SCHEDULE_DEFAULTS } from '../src/training/schedules.js';
import { imagesToTensor, labelsToTensor } from '../src/datasets/tensors.js';
import { shuffledIndices } from '../src/random.js';
import { fuseBatchNormTraining } from '../src/architectures/batch-norm-training.js';
import { bandSplit, smallModel, weightsOf } from './helpers/models.js';
import { tempDir } from './helpers/temp-dir.js';
import { wasmBackend } from './helpers/wasm-backend.js';

const work = tempDir('schedules');
wasmBackend();

const rates = (schedule: LearningRateSchedule, at: Omit<ScheduleStep, 'step'>, steps: number[]) => steps.map((step) => schedule.learningRate({ ...at, step }));

function disposeModel(model: tfl.LayersModel): void {
  (model.optimizer as KerasSGD | undefined)?.dispose();
  model.dispose();
}

async function errorOf(call: () => unknown): Promise<unknown> {
  return Promise.resolve().then(call).catch((e: unknown) => e);
}

describe('schedules', () => {
  it("kerasTimeDecay gives Keras' time-based decay, by default the tutorial's lr / epochs", () => {
    const at = { stepsPerEpoch: 10, epochs: 5, baseLearningRate: 0.01 };
    expect(rates(kerasTimeDecay(), at, [0, 1, 17, 49])).toEqual([0, 1, 17, 49].map((step) => 0.01 / (1 + (0.01 / 5) * step)));
    // With a warm-up of one epoch (10 batches) the rate rises as (step + 1) / 10 times the decayed rate.
    expect(rates(kerasTimeDecay({ decay: 0.1, warmupEpochs: 1 }), at, [0, 9, 10])).toEqual([0.1 * 0.01, 0.01 / 1.9, 0.01 / 2]);
    expect(kerasTimeDecay().name).toBe('keras');
  });

  it('cosineDecay warms up linearly, then follows half a cosine down to the minimum', () => {
    const at = { stepsPerEpoch: 10, epochs: 5, baseLearningRate: 0.1 };
    const [w0, w4, w9, top, middle, last] = rates(cosineDecay({ warmupEpochs: 1, minLearningRate: 0.001 }), at, [0, 4, 9, 10, 30, 49]);
    [0.01, 0.05, 0.1, 0.1].forEach((rate, i) => expect([w0, w4, w9, top][i]).toBeCloseTo(rate, 16));
    expect(middle).toBeCloseTo(0.001 + 0.099 / 2, 15);
    expect(last).toBeCloseTo(0.001 + 0.099 * 0.5 * (1 + Math.cos((Math.PI * 39) / 40)), 15);
    const plain = rates(cosineDecay(), at, Array.from({ length: 50 }, (_, i) => i));
    expect(plain[0]).toBe(0.1);
    expect(plain.every((rate, i) => i === 0 || rate < plain[i - 1]!)).toBe(true);
    expect(plain[25]).toBeCloseTo(0.05, 15);
  });

  it("oneCycle follows PyTorch's OneCycleLR (cosine annealing, 30% rising)", () => {
    // OneCycleLR(max_lr=0.1, total_steps=100): starts at 0.1 / 25, peaks at step 29, ends at 0.004 / 1e4.
    const at = { stepsPerEpoch: 10, epochs: 10, baseLearningRate: 0.01 };
    const [first, rising, peak, falling, last] = rates(oneCycle({ maxLearningRate: 0.1 }), at, [0, 14, 29, 64, 99]);
    expect(first).toBeCloseTo(0.004, 15);
    expect(rising).toBeCloseTo(0.1 + (0.004 - 0.1) / 2 * (1 + Math.cos((Math.PI * 14) / 29)), 15);
    expect(peak).toBe(0.1);
    expect(falling).toBeCloseTo(4e-7 + (0.1 - 4e-7) / 2, 15);
    expect(last).toBeCloseTo(4e-7, 18);
    // Without a peak, the base rate is the peak; the warm-up sets the rising phase.
    expect(rates(oneCycle({ warmupEpochs: 2 }), at, [19])).toEqual([0.01]);
  });

  it('stepDecay multiplies the rate by the factor every few epochs', () => {
    const at = { stepsPerEpoch: 10, epochs: 6, baseLearningRate: 0.1 };
    expect(rates(stepDecay({ everyEpochs: 2, factor: 0.1 }), at, [0, 19, 20, 45])).toEqual([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 ** 2]);
    expect(rates(stepDecay(), { ...at, epochs: 25 }, [99, 100, 200])).toEqual([0.1, 0.05, 0.025]);
    expect(rates(stepDecay({ warmupEpochs: 0.5 }), at, [0, 4, 5])).toEqual([(1 / 5) * 0.1, 0.1, 0.1]);
  });

  it('documents its defaults', () => {
    expect(SCHEDULE_DEFAULTS).toEqual({ warmupEpochs: 0, oneCycleWarmupFraction: 0.3, minLearningRate: 0, initialDivisor: 25, finalDivisor: 1e4, everyEpochs: 10, factor: 0.5 });
  });

  it.each([
    [() => kerasTimeDecay({ decay: -1 }), 'Argument `options.decay` must be a non-negative finite number, but received -1.'],
    [() => kerasTimeDecay({ warmupEpochs: Number.NaN }), 'Argument `options.warmupEpochs` must be a non-negative finite number, but received NaN.'],
    [() => cosineDecay({ minLearningRate: Infinity }), 'Argument `options.minLearningRate` must be a non-negative finite number, but received Infinity.'],
    [() => oneCycle({ maxLearningRate: -0.1 }), 'Argument `options.maxLearningRate` must be a non-negative finite number, but received -0.1.'],
    [() => oneCycle({ initialDivisor: 0 }), 'Argument `options.initialDivisor` must be a positive finite number, but received 0.'],
    [() => oneCycle({ warmupEpochs: -2 }), 'Argument `options.warmupEpochs` must be a non-negative finite number, but received -2.'],
    [() => stepDecay({ everyEpochs: 0 }), 'Argument `options.everyEpochs` must be a positive integer, but received 0.'],
    [() => stepDecay({ factor: 2 }), 'Argument `options.factor` must be a number above 0 and at most 1, but received 2.'],
  ])('rejects bad options %#', async (call, message) => {
    const error = await errorOf(call);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });
});

/**
 * The tutorial's loop written out by hand: batches in the seeded order, KerasSGD with time-based decay
 * (or, with `schedule`, no decay and the schedule's rate set before each batch), plain one-hot targets.
 */
async function referenceRun(model: tfl.LayersModel, train: FashionMnistSplit, settings: { epochs: number; batchSize: number; learningRate: number; seed: number }, schedule?: LearningRateSchedule) {
  const optimizer = new KerasSGD({ learningRate: settings.learningRate, decay: schedule ? 0 : settings.learningRate / settings.epochs });
  // As trainFashionMnist does to every model: batch norm trains through the fused kernel on wasm.
  fuseBatchNormTraining(model);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const stepsPerEpoch = Math.ceil(train.count / settings.batchSize);
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const order = shuffledIndices(train.count, settings.seed + epoch);
    for (let step = 0; step < stepsPerEpoch; step++) {
      const indices = order.subarray(step * settings.batchSize, (step + 1) * settings.batchSize);
      if (schedule) optimizer.learningRateOverride = schedule.learningRate({ step: epoch * stepsPerEpoch + step, stepsPerEpoch, epochs: settings.epochs, baseLearningRate: settings.learningRate });
      const [x, y] = [imagesToTensor(train, indices), labelsToTensor(train, indices, 10)];
      await model.trainOnBatch(x, y);
      tf.dispose([x, y]);
    }
  }
}

describe('schedules in trainFashionMnist', () => {
  const train = bandSplit(40);
  const settings = { epochs: 3, batchSize: 16, learningRate: 0.05, seed: 7 };

  it("keeps the tutorial's numerics bit for bit by default, with augmentation off and with kerasTimeDecay()", async () => {
    const reference = smallModel();
    await referenceRun(reference, train, settings);
    const expected = await weightsOf(reference);
    const variants: TrainOptions[] = [
      settings,
      { ...settings, augment: {}, labelSmoothing: 0 },
      { ...settings, augment: { translate: 0, flip: false, erase: false } },
      { ...settings, learningRateSchedule: kerasTimeDecay() },
    ];
    for (const options of variants) {
      const model = smallModel();
      await trainFashionMnist(model, { train }, options);
      expect(await weightsOf(model)).toEqual(expected);
      disposeModel(model);
    }
    disposeModel(reference);
  });

  it("sets the optimizer's rate before every batch, counting batches over the run, and clears it after", async () => {
    const schedule = cosineDecay({ warmupEpochs: 1 });
    const reference = smallModel();
    await referenceRun(reference, train, settings, schedule);
    const model = smallModel();
    const seen: Array<number | undefined> = [];
    await trainFashionMnist(model, { train }, { ...settings, learningRateSchedule: schedule, callbacks: [{ onBatchEnd: () => void seen.push((model.optimizer as KerasSGD).learningRateOverride) }] });
    expect(seen).toEqual(rates(schedule, { stepsPerEpoch: 3, epochs: 3, baseLearningRate: 0.05 }, [0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(await weightsOf(model)).toEqual(await weightsOf(reference));
    const optimizer = model.optimizer as KerasSGD;
    expect(optimizer.learningRateOverride).toBeUndefined();
    // The schedule replaces the time-based decay, and the saved configuration says so.
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.05, momentum: 0.9, decay: 0 });
    disposeModel(model);
    disposeModel(reference);
  });

  it('continues the schedule exactly when resumed from a checkpoint', async () => {
    const data = { train: bandSplit(32), test: bandSplit(12, 2) };
    const options: TrainOptions = { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 5, learningRateSchedule: oneCycle({ warmupEpochs: 1 }), augment: { translate: 1, flip: true } };
    const before = tf.memory().numTensors;
    const straight = smallModel();
    const full = await trainFashionMnist(straight, data, options);
    const interrupted = smallModel();
    const dir = join(work, 'checkpoint');
    await trainFashionMnist(interrupted, data, { ...options, callbacks: [checkpointCallback(interrupted, dir), { onEpochEnd: (epoch) => epoch < 1 }] });
    const checkpoint = await loadCheckpoint(dir);
    expect(checkpoint.initialEpoch).toBe(2);
    expect((checkpoint.model.optimizer as KerasSGD).getConfig()).toEqual({ learningRate: 0.05, momentum: 0.9, decay: 0 });
    const resumed = await trainFashionMnist(checkpoint.model, data, { ...options, initialEpoch: 2, history: checkpoint.history });
    expect(await weightsOf(checkpoint.model)).toEqual(await weightsOf(straight));
    expect(resumed.history).toEqual(full.history);
    for (const model of [straight, interrupted, checkpoint.model]) disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a schedule that is not one, or gives a bad rate, leaking nothing and leaving no rate behind', async () => {
    const model = smallModel();
    const before = tf.memory().numTensors;
    const notOne = await errorOf(() => trainFashionMnist(model, { train }, { learningRateSchedule: { name: 'x' } as never }));
    expect((notOne as Error).message).toBe('Argument `options.learningRateSchedule` must be a schedule: an object with a learningRate(step) method, such as cosineDecay() returns, but received an object (Object).');
    expect(model.optimizer).toBeUndefined();
    const bad: LearningRateSchedule = { name: 'bad', learningRate: ({ step }) => (step < 2 ? 0.01 : Number.NaN) };
    const error = await errorOf(() => trainFashionMnist(model, { train }, { ...settings, learningRateSchedule: bad }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe('Argument `options.learningRateSchedule` must be a schedule whose learningRate(step) is a non-negative finite number (at step 2), but received NaN.');
    const optimizer = model.optimizer as KerasSGD;
    expect(optimizer.iterations).toBe(2);
    expect(optimizer.learningRateOverride).toBeUndefined();
    // Training added the optimizer's velocities, nothing else (getWeights makes a fresh iteration count).
    const state = await optimizer.getWeights();
    state[0]!.tensor.dispose();
    expect(tf.memory().numTensors).toBe(before + state.length - 1);
    disposeModel(model);
  });

  it('refuses a model compiled with another optimizer', async () => {
    const model = smallModel();
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = tf.memory().numTensors;
    const error = await errorOf(() => trainFashionMnist(model, { train }, { learningRateSchedule: cosineDecay() }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe('Argument `model.optimizer` must be a KerasSGD, or none, when options.learningRateSchedule is set (the schedule sets its learning rate), but received an object (SGDOptimizer).');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('KerasSGD.learningRateOverride', () => {
  it("answers instanceof for KerasSGDs only (tfjs' Optimizer answers it for any optimizer)", () => {
    const sgd = tf.train.sgd(0.1);
    const adam = tf.train.adam();
    expect(sgd instanceof KerasSGD).toBe(false);
    expect(adam instanceof KerasSGD).toBe(false);
    expect({} instanceof KerasSGD).toBe(false);
    const keras = new KerasSGD();
    expect(keras instanceof KerasSGD).toBe(true);
    expect(keras instanceof tf.Optimizer).toBe(true);
    // A KerasSGD of another copy of the library (the CommonJS build, say) is recognised by its class name.
    class KerasSGDCopy {
      static className = 'KerasSGD';
    }
    expect(new KerasSGDCopy() instanceof KerasSGD).toBe(true);
    class Mine extends KerasSGD {}
    expect(new Mine() instanceof Mine).toBe(true);
    expect(keras instanceof Mine).toBe(false);
    for (const optimizer of [sgd, adam, keras]) optimizer.dispose();
  });

  it('replaces the time-based decay while set, and is refused unless a finite rate >= 0', () => {
    const optimizer = new KerasSGD({ learningRate: 0.1, decay: 0.5 });
    const w = tf.variable(tf.scalar(1));
    optimizer.minimize(() => tf.square(w));
    expect(optimizer.currentLearningRate).toBe(0.1 / 1.5);
    optimizer.learningRateOverride = 0.02;
    expect(optimizer.currentLearningRate).toBe(0.02);
    // v = 0.9 * -0.2 - 0.02 * 1.6 = -0.212; w = 0.8 - 0.212.
    optimizer.minimize(() => tf.square(w));
    expect(w.dataSync()[0]).toBeCloseTo(0.588, 6);
    optimizer.learningRateOverride = undefined;
    expect(optimizer.currentLearningRate).toBe(0.1 / 2);
    expect(() => (optimizer.learningRateOverride = -1)).toThrow('Argument `learningRateOverride` must be a non-negative finite number, but received -1.');
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.1, momentum: 0.9, decay: 0.5 });
    optimizer.dispose();
    w.dispose();
  });
});
