// Node-only: training checkpoints, a model folder whose model.json also holds the epoch and the
// history, written after every epoch and read back to resume.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describeValue, ModelFileError } from '../errors.js';
import type { HistoryRecord, TrainingCallbacks, TrainingResult } from '../training/train.js';
import { disposeModel } from './model-build.js';
import { checkDir, loadModelFolder, saveModel } from './model-io.js';

/** Training state stored inside a checkpoint's model.json, so model and state can never disagree. */
interface CheckpointState {
  /** The last epoch completed, zero-based. */
  epoch: number;
  history: HistoryRecord;
}

/** A checkpoint read back by {@link loadCheckpoint}: pass `initialEpoch` and `history` to {@link trainFashionMnist}. */
export interface Checkpoint {
  /** The model, compiled with its optimizer and the optimizer's state. */
  model: LayersModel;
  /** The next epoch to run. */
  initialEpoch: number;
  /** Metrics of the epochs already run. */
  history: HistoryRecord;
}

/**
 * A callback for {@link trainFashionMnist} that saves a checkpoint after every epoch: the model, the
 * optimizer's state and the epoch's history, in one crash-safe folder write (see {@link saveModel}:
 * at every instant the folder holds the previous checkpoint or the new one). A run killed at any
 * point resumes with {@link loadCheckpoint} and loses at most the epoch in progress. Saving a
 * checkpoint leaves the number of tensors unchanged. The folder also loads with plain
 * `tf.loadLayersModel` (model and weights, uncompiled: KerasSGD's configuration is kept where plain
 * tfjs ignores it).
 *
 * @param model - The model being trained.
 * @param dir - The checkpoint directory (replaced at each epoch; created with its parents).
 * @returns The callback.
 * @throws {@link InvalidArgumentError} for an empty path; the callback throws what
 *   {@link saveModel} throws.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { buildMiniVGGNet, checkpointCallback, loadFashionMnist, trainFashionMnist } from 'tfjs-fashion-mnist/node';
 * import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
 *
 * await useWasmBackend();
 * const model = buildMiniVGGNet();
 * await trainFashionMnist(model, await loadFashionMnist(), { callbacks: [checkpointCallback(model, 'out/checkpoint')] });
 * ```
 */
export function checkpointCallback(model: LayersModel, dir: string): TrainingCallbacks {
  checkDir(dir);
  return {
    async onEpochEnd(epoch: number, _logs, result: TrainingResult) {
      const state: CheckpointState = { epoch, history: result.history };
      model.setUserDefinedMetadata({ tfjsFashionMnistCheckpoint: state });
      await saveModel(model, dir, { includeOptimizer: true });
    },
  };
}

/**
 * Reads a checkpoint written by {@link checkpointCallback}, to resume training where it stopped,
 * with every check of {@link loadModel} plus the checkpoint's own: an optimizer with its state, an
 * epoch that is a non-negative integer, a history of numbers.
 *
 * @param dir - The checkpoint directory.
 * @returns The model with its optimizer state, the next epoch and the history so far.
 * @throws {@link ModelFileError} when the directory holds no valid checkpoint;
 *   {@link DataVerificationError} when its weights are truncated or corrupt.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { loadCheckpoint, loadFashionMnist, trainFashionMnist } from 'tfjs-fashion-mnist/node';
 * import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
 *
 * await useWasmBackend();
 * const { model, initialEpoch, history } = await loadCheckpoint('out/checkpoint');
 * await trainFashionMnist(model, await loadFashionMnist(), { initialEpoch, history });
 * ```
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  checkDir(dir);
  const { model, file } = await loadModelFolder(dir);
  try {
    const state = (model.getUserDefinedMetadata() as { tfjsFashionMnistCheckpoint?: unknown } | undefined)?.tfjsFashionMnistCheckpoint;
    if (state === undefined || !model.optimizer) throw new ModelFileError('a model but not a training checkpoint (no optimizer state or epoch)', { file: dir });
    const { epoch, history } = checkState(file, state);
    return { model, initialEpoch: epoch + 1, history };
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

const HISTORY_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;

/** The checkpoint state as written, or a ModelFileError. JSON turned NaN metrics into null; they come back as NaN. */
function checkState(file: string, state: unknown): CheckpointState {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new ModelFileError(`the checkpoint's \`${field}\` must be ${expected}, but is ${describeValue(value)}`, { file });
  };
  if (typeof state !== 'object' || state === null) return fail('tfjsFashionMnistCheckpoint', 'an object', state);
  const { epoch, history } = state as { epoch?: unknown; history?: unknown };
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) return fail('epoch', 'a non-negative integer', epoch);
  if (typeof history !== 'object' || history === null) return fail('history', 'an object', history);
  const checked = {} as HistoryRecord;
  for (const key of HISTORY_KEYS) {
    const values = (history as Record<string, unknown>)[key] ?? [];
    if (!Array.isArray(values) || values.length > epoch + 1 || !values.every((v) => v === null || typeof v === 'number')) {
      fail(`history.${key}`, `an array of at most ${epoch + 1} numbers`, values);
    }
    checked[key] = (values as Array<number | null>).map((v) => v ?? NaN);
  }
  return { epoch, history: checked };
}
