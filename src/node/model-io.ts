import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataVerificationError, InvalidArgumentError, ModelFileError } from '../errors.js';
import { sha256Hex } from '../datasets/decode.js';
import type { HistoryRecord, TrainingCallbacks, TrainingResult } from '../training/train.js';
import { registerKerasSGD } from '../training/sgd.js';
import { writeModelDirectory } from './model-files.js';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** Options of {@link saveModel}. Every field is optional. */
export interface SaveModelOptions {
  /**
   * Also save the optimizer's configuration and state, so training can resume exactly.
   * @defaultValue false
   */
  includeOptimizer?: boolean;
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  /** The model directory. */
  dir: string;
  /** Size of the weights file in bytes. */
  weightBytes: number;
  /** SHA-256 of the weights file, also recorded in model.json and checked by {@link loadModel}. */
  sha256: string;
}

/**
 * Saves a model to a directory in the standard TensorFlow.js format (`model.json` plus
 * `weights.bin`, loadable by `tf.loadLayersModel`), without tfjs-node. Written atomically: the files
 * go to a temporary directory beside the target, the weights are read back and checked against
 * their SHA-256, and only then does the directory replace the old one.
 *
 * @param model - The model to save.
 * @param dir - The directory to write; its parent must exist. An existing model there is replaced.
 * @param options - Whether to include the optimizer; see {@link SaveModelOptions}.
 * @returns The directory, the weights' size and their SHA-256.
 * @throws {@link InvalidArgumentError} for an empty path; {@link DataVerificationError} if the
 *   weights read back differ from what was written.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, loadModel, saveModel } from 'tfjs-fashion-mnist/node';
 *
 * await saveModel(buildMiniVGGNet(), 'out/model');
 * const model = await loadModel('out/model');
 * ```
 */
export async function saveModel(model: LayersModel, dir: string, options: SaveModelOptions = {}): Promise<SavedModel> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('dir', 'a non-empty directory path', dir);
  let saved: SavedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
      const sha256 = await sha256Hex(weights);
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        weightsSha256: sha256,
      };
      await writeModelDirectory(dir, { [MODEL_FILE]: JSON.stringify(json), [WEIGHTS_FILE]: weights }, async (read) => {
        const actual = await sha256Hex(await read(WEIGHTS_FILE));
        if (actual !== sha256) throw new DataVerificationError(`${dir}/${WEIGHTS_FILE}`, 'the SHA-256 of the weights read back', sha256, actual);
      });
      saved = { dir, weightBytes: weights.length, sha256 };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
    { includeOptimizer: options.includeOptimizer ?? false },
  );
  return saved!;
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs `model.json` with its weight files in the
 * same directory), checking the weights' size and, when recorded, their SHA-256. A model saved with
 * its optimizer comes back compiled with it, state included.
 *
 * @param dir - The directory holding `model.json`.
 * @returns The model.
 * @throws {@link DataVerificationError} when the weights are truncated or corrupt;
 *   {@link ModelFileError} when the directory holds no readable model.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { loadModel } from 'tfjs-fashion-mnist/node';
 *
 * const model = await loadModel('out/model');
 * model.summary();
 * ```
 */
export async function loadModel(dir: string): Promise<LayersModel> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('dir', 'a non-empty directory path', dir);
  let json: {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    trainingConfig?: tf.io.TrainingConfig;
    userDefinedMetadata?: object;
    weightsSha256?: string;
  };
  try {
    json = JSON.parse(await readFile(join(dir, MODEL_FILE), 'utf8'));
  } catch (error) {
    throw new ModelFileError(join(dir, MODEL_FILE), `No readable ${MODEL_FILE} in ${dir} (${(error as Error).message}).`, { cause: error });
  }
  const parts = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((path) => readFile(join(dir, path))));
  const weights = new Uint8Array(Buffer.concat(parts));
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const expectedBytes = specs.reduce((sum, spec) => sum + tf.util.sizeFromShape(spec.shape) * (spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : 1), 0);
  if (weights.length !== expectedBytes) throw new DataVerificationError(join(dir, WEIGHTS_FILE), 'the size of the weights in bytes', expectedBytes, weights.length);
  if (json.weightsSha256) {
    const actual = await sha256Hex(weights);
    if (actual !== json.weightsSha256) throw new DataVerificationError(join(dir, WEIGHTS_FILE), 'the SHA-256 of the weights', json.weightsSha256, actual);
  }
  registerKerasSGD();
  return loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
      ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
    }),
  );
}

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
 * optimizer's state and the epoch's history, in one atomic directory write. A run killed mid-epoch
 * resumes with {@link loadCheckpoint} and loses only that epoch.
 *
 * @param model - The model being trained.
 * @param dir - The checkpoint directory (replaced at each epoch).
 * @returns The callback.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { buildMiniVGGNet, checkpointCallback, loadFashionMnist, trainFashionMnist, useWasmBackend } from 'tfjs-fashion-mnist/node';
 *
 * await useWasmBackend();
 * const model = buildMiniVGGNet();
 * await trainFashionMnist(model, await loadFashionMnist(), { callbacks: [checkpointCallback(model, 'out/checkpoint')] });
 * ```
 */
export function checkpointCallback(model: LayersModel, dir: string): TrainingCallbacks {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('dir', 'a non-empty directory path', dir);
  return {
    async onEpochEnd(epoch: number, _logs, result: TrainingResult) {
      const state: CheckpointState = { epoch, history: result.history };
      model.setUserDefinedMetadata({ tfjsFashionMnistCheckpoint: state });
      await saveModel(model, dir, { includeOptimizer: true });
    },
  };
}

/**
 * Reads a checkpoint written by {@link checkpointCallback}, to resume training where it stopped.
 *
 * @param dir - The checkpoint directory.
 * @returns The model with its optimizer state, the next epoch and the history so far.
 * @throws {@link ModelFileError} when the directory holds no checkpoint.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { loadCheckpoint, loadFashionMnist, trainFashionMnist, useWasmBackend } from 'tfjs-fashion-mnist/node';
 *
 * await useWasmBackend();
 * const { model, initialEpoch, history } = await loadCheckpoint('out/checkpoint');
 * await trainFashionMnist(model, await loadFashionMnist(), { initialEpoch, history });
 * ```
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const model = await loadModel(dir);
  const state = (model.getUserDefinedMetadata() as { tfjsFashionMnistCheckpoint?: CheckpointState } | undefined)?.tfjsFashionMnistCheckpoint;
  if (!state || !model.optimizer) throw new ModelFileError(dir, `${dir} holds a model but not a training checkpoint (no optimizer state or epoch).`);
  return { model, initialEpoch: state.epoch + 1, history: state.history };
}
