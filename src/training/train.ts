// trainFashionMnist: the training loop (its types and defaults: train-options.ts; the callbacks it
// calls: callbacks.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { InvalidArgumentError } from '../errors.js';
import { shuffledIndices } from '../random.js';
import { assertBoolean, assertInteger, assertNumber, assertObject, assertSplit, invalid, type OptionNames, resolveOptions } from '../validate.js';
import { assertLabelsBelow, imagesToTensor, labelsToTensor, layoutFor, modelImageSpec, type ImageLayout } from '../datasets/tensors.js';
import { assertAugmentFits, augmentBatch, batchSeed, resolveAugment } from './augment.js';
import { registerBroadcastBatchNormGradient } from './batch-norm-gradient.js';
import { applyTrainingPatches } from '../architectures/training-patches.js';
import { seedDropoutMasks } from '../architectures/dropout-training.js';
import { adaptCallback, each, type Hooks } from './callbacks.js';
import { EVALUATION_BATCH_SIZE, predictProbabilities, scorePredictions } from './evaluate.js';
import { assertSchedule, scheduledRate } from './schedules.js';
import { KerasSGD, KERAS_SGD_DEFAULTS } from './sgd.js';
import { TRAIN_DEFAULTS, type BatchLogs, type EpochLogs, type HistoryRecord, type TrainBeginInfo, type TrainingData, type TrainingResult, type TrainOptions } from './train-options.js';

// The types of trainFashionMnist's signature and result, for modules that import them with it.
export type { HistoryRecord, TrainingCallbacks, TrainingData, TrainingResult, TrainOptions } from './train-options.js';

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
  const settings = resolveTrainOptions(options);
  const plan = planRun(model, data, settings);
  const hooks = (settings.callbacks ?? []).map((callback, i) => adaptCallback(callback, `options.callbacks[${i}]`));
  // Batch norm on the channel axis of a channelsFirst model needs it (tfjs-core's gradient fails there).
  registerBroadcastBatchNormGradient();
  // Models loaded from files (a resumed run) have tfjs-layers' plain layers; this makes them train as fast as a built one.
  applyTrainingPatches(model);
  compileIfNeeded(model, settings.learningRate, settings.epochs, settings.learningRateSchedule !== undefined, settings.weightDecay);
  plan.accuracyAt = accuracyIndex(model);
  const history = copyHistory(settings.history);
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

type Settings = ReturnType<typeof resolveTrainOptions>;

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

const TRAIN_OPTIONS: OptionNames<TrainOptions> = {
  epochs: true,
  batchSize: true,
  learningRate: true,
  seed: true,
  shuffle: true,
  initialEpoch: true,
  history: true,
  stopOnNaN: true,
  callbacks: true,
  augment: true,
  learningRateSchedule: true,
  labelSmoothing: true,
  weightDecay: true,
};

function resolveTrainOptions(options: TrainOptions) {
  // The learning rate of an uncompiled model is KerasSGD's default, the tutorial's.
  const settings = resolveOptions('options', options, { ...TRAIN_DEFAULTS, learningRate: KERAS_SGD_DEFAULTS.learningRate }, TRAIN_OPTIONS);
  assertInteger('options.epochs', settings.epochs);
  assertInteger('options.batchSize', settings.batchSize);
  assertInteger('options.seed', settings.seed, 0);
  assertInteger('options.initialEpoch', settings.initialEpoch, 0);
  if (settings.initialEpoch > settings.epochs) throw invalid('options.initialEpoch', settings.initialEpoch, `at most options.epochs (${settings.epochs})`);
  assertBoolean('options.shuffle', settings.shuffle);
  assertBoolean('options.stopOnNaN', settings.stopOnNaN);
  assertNumber('options.labelSmoothing', settings.labelSmoothing, { min: 0, max: 1 });
  assertNumber('options.weightDecay', settings.weightDecay, { min: 0 });
  if (settings.learningRateSchedule !== undefined) assertSchedule('options.learningRateSchedule', settings.learningRateSchedule);
  return { ...settings, augment: resolveAugment('options.augment', settings.augment) };
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
  assertObject('data', data, 'an object { train, test? } of splits');
  assertSplit('data.train', data.train);
  if (data.test !== undefined) assertSplit('data.test', data.test);
  if (settings.augment) assertAugmentFits('options.augment', settings.augment, data.train.height, data.train.width);
  if (settings.learningRateSchedule && model.optimizer && !(model.optimizer instanceof KerasSGD)) {
    throw invalid('model.optimizer', model.optimizer, 'a KerasSGD, or none, when options.learningRateSchedule is set (the schedule sets its learning rate)');
  }
  const spec = modelImageSpec(model);
  assertLabelsBelow('data.train', data.train, spec.classes);
  if (data.test !== undefined) assertLabelsBelow('data.test', data.test, spec.classes);
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
  (model.optimizer as KerasSGD).learningRateOverride = scheduledRate('options.learningRateSchedule', schedule, at);
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
    throw invalid('model.metricsNames', names, "a list that includes 'acc' (compile with metrics: ['accuracy'], or leave the model uncompiled to get the tutorial's settings)");
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
