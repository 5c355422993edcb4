// The types of trainFashionMnist (src/training/train.ts): its options and their defaults, its data,
// what it returns, and the callbacks it calls.
import type { Callback, LayersModel } from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import type { AugmentOptions } from './augment.js';
import type { LearningRateSchedule } from './schedules.js';

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
export const TRAIN_DEFAULTS = /* @__PURE__ */ Object.freeze({
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
