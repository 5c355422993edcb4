import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { InvalidArgumentError } from '../errors.js';
import { shuffledIndices } from '../random.js';
import { assertInteger, withDefaults } from '../validate.js';
import { imagesToTensor } from '../datasets/tensors.js';
import { evaluateModel } from './evaluate.js';
import { KerasSGD, KERAS_SGD_DEFAULTS } from './sgd.js';

/** Per-epoch metrics in Keras' `History.history` shape. */
// A type alias rather than an interface, so it is assignable to record types such as TrainingHistory.
export type HistoryRecord = {
  /** Mean training loss of each epoch. */
  loss: number[];
  /** Mean training accuracy of each epoch. */
  accuracy: number[];
  /** Validation loss after each epoch. */
  val_loss: number[];
  /** Validation accuracy after each epoch. */
  val_accuracy: number[];
};

/** What {@link trainFashionMnist} returns, shaped like Keras' `History` object. */
export interface TrainingResult {
  /** The epochs run, zero-based, as Keras' `History.epoch`. */
  epoch: number[];
  /** Metrics per epoch. `val_*` are empty when there is no validation split. */
  history: HistoryRecord;
  /** Why training ended before the last epoch, if it did. */
  stopped?: 'nan-loss' | 'callback';
}

/** Metrics reported to callbacks after an epoch. */
export interface EpochLogs {
  /** Mean training loss of the epoch. */
  loss: number;
  /** Mean training accuracy of the epoch. */
  accuracy: number;
  /** Validation loss, when there is a validation split. */
  val_loss?: number;
  /** Validation accuracy, when there is a validation split. */
  val_accuracy?: number;
  /** Seconds the epoch took, validation included. */
  seconds: number;
}

/** Hooks called during {@link trainFashionMnist}; each may be async. Return `false` from `onEpochEnd` to stop. */
export interface TrainingCallbacks {
  /** Before the first epoch. */
  onTrainBegin?(info: { epochs: number; initialEpoch: number; stepsPerEpoch: number; batchSize: number }): void | Promise<void>;
  /** Before each epoch (zero-based). */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** After each batch, with the epoch's running means so far. */
  onBatchEnd?(step: number, logs: { loss: number; accuracy: number }): void | Promise<void>;
  /** After each epoch and its validation; `result` holds the history so far. */
  onEpochEnd?(epoch: number, logs: EpochLogs, result: TrainingResult): void | boolean | Promise<void | boolean>;
  /** After the last epoch, or when training stops. */
  onTrainEnd?(result: TrainingResult): void | Promise<void>;
}

/** Options of {@link trainFashionMnist}. Every field is optional; the defaults are the tutorial's. */
export interface TrainOptions {
  /**
   * Epochs to train, counting those already done when resuming.
   * @defaultValue 25
   */
  epochs?: number;
  /**
   * Images per gradient step.
   * @defaultValue 32
   */
  batchSize?: number;
  /**
   * Initial learning rate of the {@link KerasSGD} optimizer used when the model is not compiled.
   * @defaultValue 0.01
   */
  learningRate?: number;
  /**
   * Seeds the order in which training images are visited (a new order each epoch, derived from the
   * seed and the epoch, so a resumed run visits the same orders). Weight initialisation is seeded in
   * {@link buildMiniVGGNet}; dropout masks are not seedable in tfjs.
   * @defaultValue 42
   */
  seed?: number;
  /**
   * Shuffle the training images every epoch.
   * @defaultValue true
   */
  shuffle?: boolean;
  /**
   * The first epoch to run (zero-based), to resume; see {@link loadCheckpoint}.
   * @defaultValue 0
   */
  initialEpoch?: number;
  /**
   * Metrics of the epochs already run, to continue when resuming.
   * @defaultValue empty
   */
  history?: HistoryRecord;
  /**
   * Stop when the training loss becomes NaN or infinite, like Keras' TerminateOnNaN.
   * @defaultValue true
   */
  stopOnNaN?: boolean;
  /**
   * Callbacks, e.g. {@link progressBar} and {@link checkpointCallback}.
   * @defaultValue []
   */
  callbacks?: readonly TrainingCallbacks[];
}

/** The defaults of {@link TrainOptions}. */
export const TRAIN_DEFAULTS = Object.freeze({
  /** The tutorial's 25 epochs. */
  epochs: 25,
  /** The tutorial's batch of 32. */
  batchSize: 32,
  /** Seed of the data order. */
  seed: 42,
  /** Reshuffle every epoch. */
  shuffle: true,
  /** Start from the first epoch. */
  initialEpoch: 0,
  /** Stop on a NaN loss. */
  stopOnNaN: true,
});

/**
 * Trains a model on Fashion-MNIST as the tutorial does: SGD with momentum 0.9 and time-based decay
 * (Keras semantics, {@link KerasSGD}) on categorical cross-entropy, batches of 32, 25 epochs, the
 * training images reshuffled every epoch, validation on the test split after each epoch. An
 * uncompiled model is compiled with those settings; a compiled one keeps its own.
 *
 * Images are scaled to [0, 1] batch by batch, so the 60,000 training images never sit in memory as
 * floats. Returns the history in Keras' shape, ready for {@link trainingHistorySpec}.
 *
 * @param model - The model, e.g. from {@link buildMiniVGGNet} (channelsLast, 10 classes).
 * @param data - `{ train, test }` from {@link loadFashionMnist}, or subsets of them; without `test` there is no validation.
 * @param options - Epochs, batch size, seed, resume state and callbacks; see {@link TrainOptions}.
 * @returns The per-epoch history and why training stopped early, if it did.
 * @throws {@link InvalidArgumentError} for bad options or an empty training split.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { buildMiniVGGNet, loadFashionMnist, progressBar, trainFashionMnist, useWasmBackend } from 'tfjs-fashion-mnist';
 *
 * await useWasmBackend();
 * const data = await loadFashionMnist();
 * const result = await trainFashionMnist(buildMiniVGGNet(), data, { epochs: 3, callbacks: [progressBar()] });
 * console.log(result.history.val_accuracy);
 * ```
 */
export async function trainFashionMnist(
  model: LayersModel,
  data: { train: FashionMnistSplit; test?: FashionMnistSplit | undefined },
  options: TrainOptions = {},
): Promise<TrainingResult> {
  const settings = resolveOptions(options, data.train);
  if (!model.optimizer) {
    const optimizer = new KerasSGD({ learningRate: options.learningRate ?? KERAS_SGD_DEFAULTS.learningRate, decay: (options.learningRate ?? KERAS_SGD_DEFAULTS.learningRate) / settings.epochs });
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  }
  const history = copyHistory(options.history);
  const result: TrainingResult = { epoch: history.loss.map((_, i) => i), history };
  const callbacks = options.callbacks ?? [];
  const stepsPerEpoch = Math.ceil(data.train.count / settings.batchSize);
  await each(callbacks, (c) => c.onTrainBegin?.({ epochs: settings.epochs, initialEpoch: settings.initialEpoch, stepsPerEpoch, batchSize: settings.batchSize }));

  for (let epoch = settings.initialEpoch; epoch < settings.epochs; epoch++) {
    await each(callbacks, (c) => c.onEpochBegin?.(epoch));
    const started = performance.now();
    const order = settings.shuffle ? shuffledIndices(data.train.count, settings.seed + epoch) : Uint32Array.from({ length: data.train.count }, (_, i) => i);
    const train = await trainEpoch(model, data.train, order, settings.batchSize, callbacks);
    if (settings.stopOnNaN && !Number.isFinite(train.loss)) {
      result.stopped = 'nan-loss';
      break;
    }
    const logs: EpochLogs = { ...train, seconds: 0 };
    if (data.test) {
      const validation = await evaluateModel(model, data.test);
      logs.val_loss = validation.loss;
      logs.val_accuracy = validation.accuracy;
    }
    logs.seconds = (performance.now() - started) / 1000;
    record(result, epoch, logs);
    const verdicts = await each(callbacks, (c) => c.onEpochEnd?.(epoch, logs, result));
    if (verdicts.includes(false)) {
      result.stopped = 'callback';
      break;
    }
  }
  await each(callbacks, (c) => c.onTrainEnd?.(result));
  return result;
}

function resolveOptions(options: TrainOptions, train: FashionMnistSplit) {
  const settings = withDefaults(TRAIN_DEFAULTS, options) as typeof TRAIN_DEFAULTS;
  assertInteger('options.epochs', settings.epochs);
  assertInteger('options.batchSize', settings.batchSize);
  assertInteger('options.seed', settings.seed, 0);
  assertInteger('options.initialEpoch', settings.initialEpoch, 0);
  if (settings.initialEpoch > settings.epochs) {
    throw new InvalidArgumentError('options.initialEpoch', `at most options.epochs (${settings.epochs})`, settings.initialEpoch);
  }
  if (!train || train.count === 0) throw new InvalidArgumentError('data.train', 'a split with at least one image', train?.count);
  return settings;
}

async function trainEpoch(model: LayersModel, split: FashionMnistSplit, order: Uint32Array, batchSize: number, callbacks: readonly TrainingCallbacks[]) {
  let seen = 0;
  let lossSum = 0;
  let correctSum = 0;
  for (let start = 0, step = 0; start < order.length; start += batchSize, step++) {
    const indices = order.subarray(start, Math.min(start + batchSize, order.length));
    const x = imagesToTensor(split, indices);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(indices, (i) => split.labels[i]!), 'int32'), 10), 'float32'));
    const [loss = NaN, accuracy = NaN] = (await model.trainOnBatch(x, y)) as number[];
    tf.dispose([x, y]);
    // Keras reports the epoch's running mean, weighted by batch size.
    seen += indices.length;
    lossSum += loss * indices.length;
    correctSum += accuracy * indices.length;
    const logs = { loss: lossSum / seen, accuracy: correctSum / seen };
    await each(callbacks, (c) => c.onBatchEnd?.(step, logs));
    if (!Number.isFinite(loss)) return logs;
  }
  return { loss: lossSum / seen, accuracy: correctSum / seen };
}

function copyHistory(history: HistoryRecord | undefined): HistoryRecord {
  return { loss: [...(history?.loss ?? [])], accuracy: [...(history?.accuracy ?? [])], val_loss: [...(history?.val_loss ?? [])], val_accuracy: [...(history?.val_accuracy ?? [])] };
}

function record(result: TrainingResult, epoch: number, logs: EpochLogs): void {
  result.epoch.push(epoch);
  result.history.loss.push(logs.loss);
  result.history.accuracy.push(logs.accuracy);
  if (logs.val_loss !== undefined) result.history.val_loss.push(logs.val_loss);
  if (logs.val_accuracy !== undefined) result.history.val_accuracy.push(logs.val_accuracy);
}

async function each<T>(callbacks: readonly TrainingCallbacks[], call: (c: TrainingCallbacks) => T | Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const callback of callbacks) results.push(await call(callback));
  return results;
}
