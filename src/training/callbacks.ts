// The callbacks of trainFashionMnist: the library's own, plain objects of hooks (tfjs-layers'
// CustomCallbackArgs among them) and tfjs-layers Callbacks, all seen through one interface.
import type { LayersModel, Logs } from '@tensorflow/tfjs-layers';
import { assertFunction, assertObject, invalid } from '../validate.js';
import type { BatchBeginLogs, BatchLogs, EpochLogs, LayersCallback, TrainBeginInfo, TrainingCallbacks, TrainingResult } from './train-options.js';

/** Calls `call` on each of `hooks` in order, awaiting each, and returns what they returned. */
export async function each<T>(hooks: readonly Hooks[], call: (h: Hooks) => T | Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const hook of hooks) results.push(await call(hook));
  return results;
}

/** Every kind of callback, seen through one interface with the library's semantics. */
export interface Hooks {
  trainBegin(info: TrainBeginInfo, model: LayersModel): Promise<void>;
  epochBegin(epoch: number): Promise<void>;
  batchBegin(step: number, logs: BatchBeginLogs): Promise<void>;
  batchEnd(step: number, logs: BatchLogs): Promise<void>;
  epochEnd(epoch: number, logs: EpochLogs, result: TrainingResult): Promise<unknown>;
  trainEnd(logs: Partial<EpochLogs>, result: TrainingResult): Promise<void>;
}

const HOOK_NAMES = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;
const CALLBACK = 'a callback: an object with onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd or onTrainEnd, or a tfjs-layers Callback such as tf.callbacks.earlyStopping()';

/** Checks `callback` (named `argument` in errors) and adapts it to {@link Hooks}. */
export function adaptCallback(callback: TrainingCallbacks | LayersCallback, argument: string): Hooks {
  assertObject(argument, callback, CALLBACK);
  if (typeof (callback as LayersCallback).setParams === 'function') return layersHooks(callback as LayersCallback & LayersHooks, argument);
  const plain = callback as TrainingCallbacks;
  const present = HOOK_NAMES.filter((name) => plain[name] !== undefined);
  if (present.length === 0) throw invalid(argument, callback, CALLBACK);
  for (const name of present) {
    assertFunction(`${argument}.${name}`, plain[name]);
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
    if (typeof callback[name] !== 'function') throw invalid(`${argument}.${name}`, callback[name], 'a function (a tfjs-layers Callback has them all)');
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
