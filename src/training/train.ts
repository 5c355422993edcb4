import * as tf from '@tensorflow/tfjs-core';
import type { Callback, LayersModel, Logs } from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { InvalidArgumentError } from '../errors.js';
import { shuffledIndices } from '../random.js';
import { assertInteger, assertNumberInRange, withDefaults } from '../validate.js';
import { assertLabelsBelow, assertSplit, imagesToTensor, labelsToTensor, layoutFor, modelImageSpec, type ImageLayout } from '../datasets/tensors.js';
import { assertAugmentFits, augmentBatch, batchSeed, resolveAugment, type AugmentOptions } from './augment.js';
import { registerBroadcastBatchNormGradient } from './batch-norm-gradient.js';
import { fuseBatchNormTraining } from '../architectures/batch-norm-training.js';
import { fuseDropoutTraining, seedDropoutMasks } from '../architectures/dropout-training.js';
import { fuseInputConvTraining } from '../architectures/input-conv-training.js';
import { EVALUATION_BATCH_SIZE, predictProbabilities, scorePredictions } from './evaluate.js';
import { assertSchedule, scheduledRate, type LearningRateSchedule } from './schedules.js';
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

/**
 * Metrics reported to callbacks after an epoch. A type alias of numbers only, so it is also a
 * tfjs-layers `Logs` (what `tf.callbacks.earlyStopping()` and tfjs-vis read).
 */
export type EpochLogs = {
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
};

/** What {@link TrainingCallbacks.onTrainBegin} receives: numbers only, so it is a tfjs-layers `Logs` too. */
export type TrainBeginInfo = {
  /** The last epoch to run, exclusive (`options.epochs`). */
  epochs: number;
  /** The first epoch to run, zero-based. */
  initialEpoch: number;
  /** Batches per epoch. */
  stepsPerEpoch: number;
  /** Images per batch. */
  batchSize: number;
  /** Training images. */
  samples: number;
  /** Validation images, 0 without a validation split. */
  validationSamples: number;
};

/** What {@link TrainingCallbacks.onBatchBegin} receives, as in Keras. */
export type BatchBeginLogs = {
  /** The batch index within the epoch. */
  batch: number;
  /** Images in the batch. */
  size: number;
};

/** What {@link TrainingCallbacks.onBatchEnd} receives: the batch, and the epoch's running means so far (as Keras reports them). */
export type BatchLogs = BatchBeginLogs & {
  /** Mean training loss of the epoch so far. */
  loss: number;
  /** Mean training accuracy of the epoch so far. */
  accuracy: number;
};

/**
 * Hooks called during {@link trainFashionMnist}; each may be async. Return `false` from `onEpochEnd`,
 * or set `model.stopTraining = true` anywhere, to stop.
 *
 * Every logs argument holds numbers only, so an object shaped like tfjs-layers' `CustomCallbackArgs`
 * (`{ onEpochEnd(epoch, logs) }`, as tfjs-vis' `fitCallbacks` returns) is one of these too;
 * `onYield`, `nowFunc` and `nextFrameFunc` are not called.
 */
export interface TrainingCallbacks {
  /** Before the first epoch, with the run's settings and the model being trained. */
  onTrainBegin?(info: TrainBeginInfo, model: LayersModel): void | Promise<void>;
  /** Before each epoch (zero-based). */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** Before each batch (zero-based within the epoch). */
  onBatchBegin?(step: number, logs: BatchBeginLogs): void | Promise<void>;
  /** After each batch, with the epoch's running means so far. */
  onBatchEnd?(step: number, logs: BatchLogs): void | Promise<void>;
  /** After each epoch and its validation; `result` holds the history so far. Return `false` to stop. */
  onEpochEnd?(epoch: number, logs: EpochLogs, result: TrainingResult): void | boolean | Promise<void | boolean>;
  /** After the last epoch, or when training stops, with the last epoch's logs (empty if none ran) and the result. */
  onTrainEnd?(logs: Partial<EpochLogs>, result: TrainingResult): void | Promise<void>;
}

/**
 * A tfjs-layers callback object, such as `tf.callbacks.earlyStopping()` or a `tf.CustomCallback`:
 * {@link trainFashionMnist} gives it the run's parameters and the model (`setParams`, `setModel`), calls
 * its hooks as `model.fit` does, and stops when it sets `model.stopTraining`.
 */
export type LayersCallback = Pick<Callback, 'setParams' | 'setModel'>;

/** What {@link trainFashionMnist} trains and validates on: `{ train, test }` from {@link loadFashionMnist}, or subsets. */
export type TrainingData = {
  /** The training split. */
  train: FashionMnistSplit;
  /** The validation split; without it there is no validation. */
  test?: FashionMnistSplit | undefined;
};

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
   * Initial learning rate of the {@link KerasSGD} optimizer used when the model is not compiled (the
   * base rate of a {@link TrainOptions.learningRateSchedule}).
   * @defaultValue 0.01
   */
  learningRate?: number;
  /**
   * Seeds the order in which training images are visited (a new order each epoch, derived from the
   * seed and the epoch, so a resumed run visits the same orders), the augmentation of every batch and
   * the dropout masks of every step (from the seed, the epoch and the step). Weight initialisation is
   * seeded in {@link buildMiniVGGNet}. Two runs with the same seeds, backend and thread count give
   * bit-identical weights.
   * @defaultValue 42
   */
  seed?: number;
  /**
   * Shuffle the training images every epoch.
   * @defaultValue true
   */
  shuffle?: boolean;
  /**
   * The first epoch to run (zero-based), to resume; see `loadCheckpoint` (`tfjs-fashion-mnist/node`).
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
   * Callbacks, called in order: the library's own ({@link progressBar}, {@link earlyStopping},
   * `checkpointCallback` of `tfjs-fashion-mnist/node`), plain objects with the hooks of {@link TrainingCallbacks} (which
   * tfjs-layers' `CustomCallbackArgs` fit), and tfjs-layers callbacks such as `tf.callbacks.earlyStopping()`.
   * @defaultValue []
   */
  callbacks?: readonly (TrainingCallbacks | LayersCallback)[];
  /**
   * Label-preserving augmentation of the training images (never the validation split): translation
   * with zero padding, horizontal flip, random erasing; see {@link AugmentOptions}. Applied to each
   * batch's uint8 pixels at the split's own size, before scaling and any resizing to the model's
   * input. The transforms of a batch are drawn from a generator seeded with `seed`, the epoch and the
   * step, so a resumed run transforms every batch as an uninterrupted one does.
   * @defaultValue no augmentation, as in the tutorial
   */
  augment?: AugmentOptions;
  /**
   * The learning rate of every batch, e.g. {@link cosineDecay}, {@link oneCycle} or {@link stepDecay}
   * (with their warm-up). It sets the rate of the model's {@link KerasSGD} before each batch (a model
   * the library compiles then gets `decay: 0`, as the schedule replaces it); a model compiled with
   * another optimizer is refused. Pass the same schedule when resuming: the rate depends only on the
   * epoch and batch, so the run continues exactly.
   * @defaultValue undefined: the optimizer's own Keras time-based decay, `learningRate / (1 + learningRate / epochs * iterations)` for a model the library compiles
   */
  learningRateSchedule?: LearningRateSchedule;
  /**
   * Label smoothing, as Keras' `CategoricalCrossentropy(label_smoothing)`: the training targets become
   * `oneHot * (1 - labelSmoothing) + labelSmoothing / classes`. From 0 to 1. The training loss is
   * measured against the smoothed targets (as in Keras), the validation loss against the true labels.
   * @defaultValue 0 (one-hot targets, as in the tutorial)
   */
  labelSmoothing?: number;
  /**
   * L2 weight decay of the {@link KerasSGD} optimizer the library compiles an uncompiled model with
   * ({@link KerasSGDOptions.weightDecay}: weight matrices and kernels only). A compiled model keeps
   * its optimizer, so a resumed checkpoint keeps the weight decay it was saved with.
   * @defaultValue 0 (none, as in the tutorial)
   */
  weightDecay?: number;
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
  /** One-hot targets. */
  labelSmoothing: 0,
  /** No weight decay. */
  weightDecay: 0,
});

/**
 * Trains a model on Fashion-MNIST as the tutorial does: SGD with momentum 0.9 and time-based decay
 * (Keras semantics, {@link KerasSGD}) on categorical cross-entropy, batches of 32, 25 epochs, the
 * training images reshuffled every epoch, validation on the test split after each epoch. An
 * uncompiled model is compiled with those settings; a compiled one keeps its own.
 *
 * Works for any model {@link buildMiniVGGNet} builds: the layout (channelsLast or channelsFirst), the
 * image size and the class count are read from the model's input and output shapes. Images of
 * another size than the model's input are resized (bilinear, as {@link toFashionMnistPixels}); a model
 * with several input channels (e.g. `depth: 3`) gets the grey level in each, gray as RGB. Labels are
 * one-hot encoded over the model's classes, and must all be below that count.
 *
 * Images are scaled to [0, 1] batch by batch, so the 60,000 training images never sit in memory as
 * floats. Returns the history in Keras' shape, ready for {@link trainingHistorySpec}.
 *
 * Beyond the tutorial, and off by default: augmentation of the training batches
 * ({@link TrainOptions.augment}), a learning-rate schedule with warm-up
 * ({@link TrainOptions.learningRateSchedule}) and label smoothing ({@link TrainOptions.labelSmoothing}).
 * Without them the run is the tutorial's, number for number.
 *
 * @param model - The model, e.g. from {@link buildMiniVGGNet}.
 * @param data - `{ train, test }` from {@link loadFashionMnist}, or subsets of them; without `test` there is no validation.
 * @param options - Epochs, batch size, seed, resume state and callbacks; see {@link TrainOptions}.
 * @returns The per-epoch history and why training stopped early, if it did.
 * @throws {@link InvalidArgumentError} for bad options, an empty or malformed split, a model that
 *   does not take a batch of images or output one probability per class, a label the model has no
 *   class for, a model compiled without the accuracy metric, a callback that is not one, a schedule
 *   for a model compiled with an optimizer other than {@link KerasSGD}, or a schedule rate that is not
 *   a finite number >= 0 (thrown before that batch).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { buildMiniVGGNet, earlyStopping, progressBar, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 * import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
 *
 * await useWasmBackend();
 * const data = await loadFashionMnist();
 * const model = buildMiniVGGNet({ dataFormat: 'channelsFirst' });
 * const result = await trainFashionMnist(model, data, { epochs: 10, callbacks: [progressBar(), earlyStopping({ patience: 2 })] });
 * console.log(result.history.val_accuracy);
 * ```
 */
export async function trainFashionMnist(model: LayersModel, data: TrainingData, options: TrainOptions = {}): Promise<TrainingResult> {
  const settings = resolveOptions(options);
  const plan = planRun(model, data, settings);
  const hooks = (options.callbacks ?? []).map((callback, i) => adaptCallback(callback, `options.callbacks[${i}]`));
  // Batch norm on the channel axis of a channelsFirst model needs it (tfjs-core's gradient fails there).
  registerBroadcastBatchNormGradient();
  // Models loaded from files (a resumed run) have tfjs-layers' batch norm and dropout; this makes them train as fast as a built one.
  fuseBatchNormTraining(model);
  fuseDropoutTraining(model);
  fuseInputConvTraining(model);
  compileIfNeeded(model, options.learningRate ?? KERAS_SGD_DEFAULTS.learningRate, settings.epochs, settings.learningRateSchedule !== undefined, settings.weightDecay);
  plan.accuracyAt = accuracyIndex(model);
  const history = copyHistory(options.history);
  const result: TrainingResult = { epoch: history.loss.map((_, i) => i), history };
  const info: TrainBeginInfo = {
    epochs: settings.epochs,
    initialEpoch: settings.initialEpoch,
    stepsPerEpoch: Math.ceil(data.train.count / settings.batchSize),
    batchSize: settings.batchSize,
    samples: data.train.count,
    validationSamples: data.test?.count ?? 0,
  };
  const run: EpochRun = { model, split: data.train, plan, settings, hooks, stepsPerEpoch: info.stepsPerEpoch, epoch: settings.initialEpoch };
  await each(hooks, (h) => h.trainBegin(info, model));
  // As model.fit does: a stop requested by an earlier run, or during onTrainBegin, does not count.
  model.stopTraining = false;
  let lastLogs: Partial<EpochLogs> = {};
  try {
    for (let epoch = settings.initialEpoch; epoch < settings.epochs; epoch++) {
      await each(hooks, (h) => h.epochBegin(epoch));
      const logs = await runEpoch({ ...run, epoch }, data);
      if (!logs) {
        result.stopped = 'nan-loss';
        break;
      }
      record(result, epoch, logs);
      lastLogs = logs;
      const verdicts = await each(hooks, (h) => h.epochEnd(epoch, logs, result));
      if (verdicts.includes(false) || model.stopTraining) {
        result.stopped = 'callback';
        break;
      }
    }
  } finally {
    // The schedule's rate belongs to this run: later training of the model uses the optimizer's own decay.
    if (settings.learningRateSchedule && model.optimizer instanceof KerasSGD) model.optimizer.learningRateOverride = undefined;
  }
  await each(hooks, (h) => h.trainEnd(lastLogs, result));
  return result;
}

/**
 * An uncompiled model gets the tutorial's optimizer: Keras' SGD with momentum 0.9 and decay lr / epochs,
 * or no decay when a schedule sets every rate (so the saved configuration says what ran).
 */
function compileIfNeeded(model: LayersModel, learningRate: number, epochs: number, scheduled: boolean, weightDecay: number): void {
  if (model.optimizer) return;
  const optimizer = new KerasSGD({ learningRate, decay: scheduled ? 0 : learningRate / epochs, weightDecay });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
}

type Settings = ReturnType<typeof resolveOptions>;

/** What one epoch of training needs. */
interface EpochRun {
  model: LayersModel;
  split: FashionMnistSplit;
  plan: RunPlan;
  settings: Settings;
  hooks: readonly Hooks[];
  stepsPerEpoch: number;
  epoch: number;
}

/** One epoch and its validation; undefined when the loss became NaN and the run should stop. */
async function runEpoch(run: EpochRun, data: TrainingData): Promise<EpochLogs | undefined> {
  const { model, plan, settings, epoch } = run;
  const started = performance.now();
  const count = data.train.count;
  const order = settings.shuffle ? shuffledIndices(count, settings.seed + epoch) : Uint32Array.from({ length: count }, (_, i) => i);
  const train = await trainEpoch(run, order);
  if (settings.stopOnNaN && !Number.isFinite(train.loss)) return undefined;
  const logs: EpochLogs = { ...train, seconds: 0 };
  if (data.test) {
    const probabilities = await predictProbabilities(model, data.test, plan.testLayout, plan.classes, EVALUATION_BATCH_SIZE);
    const validation = scorePredictions(probabilities, data.test.labels, plan.classes);
    logs.val_loss = validation.loss;
    logs.val_accuracy = validation.accuracy;
  }
  logs.seconds = (performance.now() - started) / 1000;
  return logs;
}

function resolveOptions(options: TrainOptions) {
  const settings = withDefaults(TRAIN_DEFAULTS, options) as typeof TRAIN_DEFAULTS & Pick<TrainOptions, 'learningRateSchedule'>;
  assertInteger('options.epochs', settings.epochs);
  assertInteger('options.batchSize', settings.batchSize);
  assertInteger('options.seed', settings.seed, 0);
  assertInteger('options.initialEpoch', settings.initialEpoch, 0);
  if (settings.initialEpoch > settings.epochs) {
    throw new InvalidArgumentError('options.initialEpoch', `at most options.epochs (${settings.epochs})`, settings.initialEpoch);
  }
  assertNumberInRange('options.labelSmoothing', settings.labelSmoothing, 0, 1);
  assertNumberInRange('options.weightDecay', settings.weightDecay, 0, Number.MAX_VALUE);
  if (settings.learningRateSchedule !== undefined) assertSchedule(settings.learningRateSchedule, 'options.learningRateSchedule');
  return { ...settings, augment: resolveAugment(options.augment, 'options.augment'), learningRateSchedule: settings.learningRateSchedule };
}

/** How the data meets the model: checked before anything is compiled or allocated. */
interface RunPlan {
  classes: number;
  /** Where trainOnBatch reports the accuracy: after the loss and any metric compiled before it. */
  accuracyAt: number;
  trainLayout: ImageLayout;
  testLayout: ImageLayout;
}

function planRun(model: LayersModel, data: TrainingData, settings: Settings): RunPlan {
  if (typeof data !== 'object' || data === null) throw new InvalidArgumentError('data', 'an object { train, test? } of splits', data);
  assertSplit(data.train, 'data.train');
  if (data.test !== undefined) assertSplit(data.test, 'data.test');
  if (settings.augment) assertAugmentFits(settings.augment, data.train.height, data.train.width, 'options.augment');
  if (settings.learningRateSchedule && model.optimizer && !(model.optimizer instanceof KerasSGD)) {
    throw new InvalidArgumentError('model.optimizer', 'a KerasSGD, or none, when options.learningRateSchedule is set (the schedule sets its learning rate)', model.optimizer);
  }
  const spec = modelImageSpec(model);
  assertLabelsBelow(data.train, spec.classes, 'data.train');
  if (data.test !== undefined) assertLabelsBelow(data.test, spec.classes, 'data.test');
  return { classes: spec.classes, accuracyAt: 1, trainLayout: layoutFor(spec, data.train), testLayout: layoutFor(spec, data.test ?? data.train) };
}

async function trainEpoch(run: EpochRun, order: Uint32Array) {
  const { model, plan, hooks } = run;
  const { batchSize } = run.settings;
  let seen = 0;
  let lossSum = 0;
  let correctSum = 0;
  for (let start = 0, step = 0; start < order.length; start += batchSize, step++) {
    const indices = order.subarray(start, Math.min(start + batchSize, order.length));
    await each(hooks, (h) => h.batchBegin(step, { batch: step, size: indices.length }));
    applySchedule(run, step);
    const outputs = await trainBatch(run, indices, step);
    const loss = outputs[0] ?? NaN;
    const accuracy = outputs[plan.accuracyAt] ?? NaN;
    // Keras reports the epoch's running mean, weighted by batch size.
    seen += indices.length;
    lossSum += loss * indices.length;
    correctSum += accuracy * indices.length;
    const logs: BatchLogs = { batch: step, size: indices.length, loss: lossSum / seen, accuracy: correctSum / seen };
    await each(hooks, (h) => h.batchEnd(step, logs));
    // A callback that sets model.stopTraining ends the epoch here, as in model.fit.
    if (!Number.isFinite(loss) || model.stopTraining) break;
  }
  return { loss: lossSum / seen, accuracy: correctSum / seen };
}

/** Sets the rate of the coming batch from the schedule, counting batches over the whole run. */
function applySchedule({ model, settings, stepsPerEpoch, epoch }: EpochRun, step: number): void {
  const schedule = settings.learningRateSchedule;
  if (!schedule) return;
  const at = { step: epoch * stepsPerEpoch + step, stepsPerEpoch, epochs: settings.epochs, baseLearningRate: (model.optimizer as KerasSGD).learningRate };
  (model.optimizer as KerasSGD).learningRateOverride = scheduledRate(schedule, at, 'options.learningRateSchedule');
}

/** One gradient step; the batch tensors are disposed of even when the model throws. */
async function trainBatch(run: EpochRun, indices: Uint32Array, step: number): Promise<number[]> {
  const { model, split, plan, settings } = run;
  const x = batchImages(run, indices, step);
  let y: tf.Tensor | undefined;
  try {
    y = labelsToTensor(split, indices, plan.classes);
    if (settings.labelSmoothing > 0) y = smoothLabels(y, settings.labelSmoothing, plan.classes);
    // Dropout's masks from the seed, the epoch and the step, as the augmentation's, so that a run
    // (resumed or not) is reproducible bit for bit on one backend and thread count.
    seedDropoutMasks(model, batchSeed(settings.seed ^ DROPOUT_SEED_SALT, run.epoch, step));
    return [(await model.trainOnBatch(x, y)) as number | number[]].flat();
  } finally {
    seedDropoutMasks(model, undefined);
    tf.dispose(y === undefined ? x : [x, y]);
  }
}

/**
 * The batch's images as the model takes them. Without augmentation, straight from the split (the
 * tutorial's path, unchanged); with it, gathered and transformed as bytes at the split's own size,
 * then scaled and resized like any batch.
 */
function batchImages({ split, plan, settings, epoch }: EpochRun, indices: Uint32Array, step: number): tf.Tensor4D {
  if (!settings.augment) return imagesToTensor(split, indices, plan.trainLayout);
  const batch = augmentBatch(split, indices, settings.augment, batchSeed(settings.seed, epoch, step));
  return imagesToTensor(batch, Uint32Array.from({ length: batch.count }, (_, i) => i), plan.trainLayout);
}

/** Keras' label smoothing: `y * (1 - smoothing) + smoothing / classes`; frees the one-hot targets. */
function smoothLabels(oneHot: tf.Tensor, smoothing: number, classes: number): tf.Tensor {
  try {
    return tf.tidy(() => tf.add(tf.mul(oneHot, 1 - smoothing), smoothing / classes));
  } finally {
    oneHot.dispose();
  }
}

/** Keeps dropout's seeds apart from the augmentation's, which hash the same seed, epoch and step. */
const DROPOUT_SEED_SALT = 0x5eed_d207;

const ACCURACY_NAMES = ['acc', 'accuracy', 'categoricalAccuracy'];

/** The position of the accuracy among what trainOnBatch returns; a model compiled without it is refused. */
function accuracyIndex(model: LayersModel): number {
  const names = model.metricsNames ?? [];
  const index = names.findIndex((name) => ACCURACY_NAMES.includes(name));
  if (index < 1) {
    throw new InvalidArgumentError('model.metricsNames', "a list that includes 'acc' (compile with metrics: ['accuracy'], or leave the model uncompiled to get the tutorial's settings)", names);
  }
  return index;
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

async function each<T>(hooks: readonly Hooks[], call: (h: Hooks) => T | Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const hook of hooks) results.push(await call(hook));
  return results;
}

/** Every kind of callback, seen through one interface with the library's semantics. */
interface Hooks {
  trainBegin(info: TrainBeginInfo, model: LayersModel): Promise<void>;
  epochBegin(epoch: number): Promise<void>;
  batchBegin(step: number, logs: BatchBeginLogs): Promise<void>;
  batchEnd(step: number, logs: BatchLogs): Promise<void>;
  epochEnd(epoch: number, logs: EpochLogs, result: TrainingResult): Promise<unknown>;
  trainEnd(logs: Partial<EpochLogs>, result: TrainingResult): Promise<void>;
}

const HOOK_NAMES = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;
const CALLBACK = 'a callback: an object with onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd or onTrainEnd, or a tfjs-layers Callback such as tf.callbacks.earlyStopping()';

function adaptCallback(callback: TrainingCallbacks | LayersCallback, argument: string): Hooks {
  if (typeof callback !== 'object' || callback === null) throw new InvalidArgumentError(argument, CALLBACK, callback);
  if (typeof (callback as LayersCallback).setParams === 'function') return layersHooks(callback as LayersCallback & LayersHooks, argument);
  const plain = callback as TrainingCallbacks;
  const present = HOOK_NAMES.filter((name) => plain[name] !== undefined);
  if (present.length === 0) throw new InvalidArgumentError(argument, CALLBACK, callback);
  for (const name of present) {
    if (typeof plain[name] !== 'function') throw new InvalidArgumentError(`${argument}.${name}`, 'a function', plain[name]);
  }
  // Every logs argument is a fresh object of numbers, so a hook written for tfjs-layers' Logs works too.
  return {
    trainBegin: async (info, model) => void (await plain.onTrainBegin?.({ ...info }, model)),
    epochBegin: async (epoch) => void (await (plain.onEpochBegin as ((epoch: number, logs: object) => unknown) | undefined)?.(epoch, {})),
    batchBegin: async (step, logs) => void (await plain.onBatchBegin?.(step, { ...logs })),
    batchEnd: async (step, logs) => void (await plain.onBatchEnd?.(step, { ...logs })),
    epochEnd: async (epoch, logs, result) => plain.onEpochEnd?.(epoch, { ...logs }, result),
    trainEnd: async (logs, result) => void (await plain.onTrainEnd?.({ ...logs }, result)),
  };
}

/** The hooks of a tfjs-layers BaseCallback, all async. */
type LayersHooks = { [K in Exclude<(typeof HOOK_NAMES)[number], 'onTrainBegin' | 'onTrainEnd'>]: (index: number, logs?: Logs) => Promise<void> } & {
  onTrainBegin(logs?: Logs): Promise<void>;
  onTrainEnd(logs?: Logs): Promise<void>;
};

function layersHooks(callback: LayersCallback & LayersHooks, argument: string): Hooks {
  for (const name of [...HOOK_NAMES, 'setModel'] as const) {
    if (typeof callback[name] !== 'function') throw new InvalidArgumentError(`${argument}.${name}`, 'a function (a tfjs-layers Callback has them all)', callback[name]);
  }
  return {
    async trainBegin(info, model) {
      // The parameters model.fit gives its callbacks.
      callback.setParams({ epochs: info.epochs, initialEpoch: info.initialEpoch, samples: info.samples, steps: info.stepsPerEpoch, batchSize: info.batchSize, verbose: 0, doValidation: info.validationSamples > 0, metrics: ['loss', 'accuracy', 'val_loss', 'val_accuracy'] });
      callback.setModel(model);
      await callback.onTrainBegin({});
    },
    epochBegin: (epoch) => callback.onEpochBegin(epoch, {}),
    batchBegin: (step, logs) => callback.onBatchBegin(step, { ...logs }),
    batchEnd: (step, logs) => callback.onBatchEnd(step, { ...logs }),
    epochEnd: (epoch, logs) => callback.onEpochEnd(epoch, { ...logs }),
    trainEnd: (logs) => callback.onTrainEnd({ ...logs }),
  };
}
