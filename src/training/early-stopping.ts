import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { assertBoolean, assertInteger, assertNumber, assertOneOf, describeOneOf, invalid, type OptionNames, resolveOptions } from '../validate.js';
import type { EpochLogs, TrainingCallbacks } from './train-options.js';

/** A metric {@link earlyStopping} can watch: losses should fall, accuracies rise. */
export type MonitoredMetric = 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';

/** Options of {@link earlyStopping}. Every field is optional; the defaults are Keras'. */
export interface EarlyStoppingOptions {
  /**
   * The metric to watch. Losses must fall and accuracies rise to count as an improvement.
   * `val_*` metrics need a validation split (`data.test`).
   * @defaultValue 'val_loss'
   */
  monitor?: MonitoredMetric;
  /**
   * The smallest change that counts as an improvement.
   * @defaultValue 0
   */
  minDelta?: number;
  /**
   * Epochs without improvement after which training stops. As in Keras, 0 and 1 both stop at the
   * first epoch that does not improve; 2 allows one such epoch, and so on.
   * @defaultValue 0
   */
  patience?: number;
  /**
   * At the end of training, give the model the weights of its best epoch (Keras 3 behaviour), not
   * those of the last. The best weights are kept as plain arrays, not tensors, so nothing leaks.
   * @defaultValue false
   */
  restoreBestWeights?: boolean;
}

/** The defaults of {@link EarlyStoppingOptions}: Keras' `EarlyStopping()`. */
export const EARLY_STOPPING_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Watch the validation loss. */
  monitor: 'val_loss' as MonitoredMetric,
  /** Any improvement counts. */
  minDelta: 0,
  /** Stop at the first epoch without improvement. */
  patience: 0,
  /** Keep the last epoch's weights. */
  restoreBestWeights: false,
});

const METRICS: readonly MonitoredMetric[] = ['val_loss', 'val_accuracy', 'loss', 'accuracy'];

interface WeightCopy {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: tf.DataType;
}

/**
 * A callback for {@link trainFashionMnist} that stops training when a metric has stopped improving,
 * like Keras' `EarlyStopping`, and can restore the best epoch's weights (which tfjs-layers'
 * `tf.callbacks.earlyStopping()` cannot). `result.stopped` is then `'callback'`.
 *
 * @param options - Metric, threshold, patience and weight restoring; see {@link EarlyStoppingOptions}.
 * @returns The callback; use it for one run at a time.
 * @throws {@link InvalidArgumentError} for a bad option, and (from {@link trainFashionMnist}) when a
 *   `val_*` metric is watched without a validation split.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, earlyStopping, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const model = buildMiniVGGNet();
 * const result = await trainFashionMnist(model, await loadFashionMnist(), {
 *   callbacks: [earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })],
 * });
 * console.log(result.stopped, result.epoch.length);
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): TrainingCallbacks {
  const settings = resolveEarlyStoppingOptions(options);
  const maximise = settings.monitor.endsWith('accuracy');
  const improves = (current: number, best: number) => (maximise ? current - settings.minDelta > best : current + settings.minDelta < best);
  let model: LayersModel | undefined;
  let best = Infinity;
  let wait = 0;
  let bestWeights: WeightCopy[] | undefined;
  return {
    onTrainBegin(info, trained) {
      if (settings.monitor.startsWith('val_') && info.validationSamples === 0) {
        throw invalid('options.monitor', settings.monitor, `${describeOneOf(['loss', 'accuracy'])} when there is no validation split (data.test)`);
      }
      model = trained;
      best = maximise ? -Infinity : Infinity;
      wait = 0;
      bestWeights = undefined;
    },
    async onEpochEnd(_epoch, logs: EpochLogs) {
      const current = logs[settings.monitor]!;
      if (improves(current, best)) {
        best = current;
        wait = 0;
        if (settings.restoreBestWeights && model) bestWeights = await copyWeights(model);
        return true;
      }
      wait++;
      return wait < Math.max(settings.patience, 1);
    },
    onTrainEnd() {
      if (bestWeights && model) restoreWeights(model, bestWeights);
      bestWeights = undefined;
    },
  };
}

const EARLY_STOPPING_OPTIONS: OptionNames<EarlyStoppingOptions> = { monitor: true, minDelta: true, patience: true, restoreBestWeights: true };

function resolveEarlyStoppingOptions(options: EarlyStoppingOptions) {
  const settings = resolveOptions('options', options, EARLY_STOPPING_DEFAULTS, EARLY_STOPPING_OPTIONS);
  assertOneOf('options.monitor', settings.monitor, METRICS);
  assertNumber('options.minDelta', settings.minDelta, { min: 0 });
  assertInteger('options.patience', settings.patience, 0);
  assertBoolean('options.restoreBestWeights', settings.restoreBestWeights);
  return settings;
}

/** Every weight of the model (batch-norm statistics included), copied off the backend. */
async function copyWeights(model: LayersModel): Promise<WeightCopy[]> {
  return Promise.all(
    // slice(): a backend may hand out its own storage, which must not change under the copy.
    model.getWeights().map(async (weight) => ({ values: ((await weight.data()) as WeightCopy['values']).slice(), shape: [...weight.shape], dtype: weight.dtype })),
  );
}

function restoreWeights(model: LayersModel, weights: readonly WeightCopy[]): void {
  const tensors = weights.map(({ values, shape, dtype }) => tf.tensor(values, shape, dtype));
  try {
    model.setWeights(tensors);
  } finally {
    // setWeights assigns the values to the model's variables, which keep their own reference.
    tf.dispose(tensors);
  }
}
