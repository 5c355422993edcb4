// Node-only: saving and loading model folders (model.json plus its weights). The crash-safe folder
// protocol is in model-files.ts, the rebuilding of a model from a checked folder in model-build.ts,
// checkpoints in checkpoint.ts.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { DataVerificationError, InvalidArgumentError } from '../errors.js';
import { sha256Hex } from '../datasets/decode.js';
import type { NamedTensor } from '../training/sgd.js';
import { buildModel } from './model-build.js';
import { cleanModelFolder, readModelFolder, weightFilesLabel, writeModelFolder, type WriteHook } from './model-files.js';
import { contentSha256, STASHED_TRAINING_CONFIG, type ModelJson } from './model-json.js';
import { assertBoolean, invalid, type OptionNames, resolveOptions } from '../validate.js';

/** Options of {@link saveModel}. Every field is optional. */
export interface SaveModelOptions {
  /**
   * Also save the optimizer's configuration and state, so training can resume exactly.
   * @defaultValue false
   */
  includeOptimizer?: boolean;
}

const SAVE_MODEL_DEFAULTS = /* @__PURE__ */ Object.freeze({ includeOptimizer: false });
const SAVE_MODEL_OPTIONS: OptionNames<SaveModelOptions> = { includeOptimizer: true };

/** What {@link saveModel} wrote. */
export interface SavedModel {
  /** The model directory. */
  dir: string;
  /** Name of the weights file inside `dir`, unique to this save (`weights.<pid>.<tag>.<hex>.bin`). */
  weightsFile: string;
  /** Size of the weights file in bytes. */
  weightBytes: number;
  /** SHA-256 of the weights file, recorded in model.json as `weightsSha256` and checked by {@link loadModel}. */
  sha256: string;
}

/**
 * Saves a model to a directory in the standard TensorFlow.js format (`model.json` plus one weights
 * file, loadable by `tf.loadLayersModel` from disk or over HTTP), without tfjs-node. A model
 * compiled with an optimizer plain tfjs does not know (this library's `KerasSGD`, as checkpoints
 * are) keeps its training configuration in `userDefinedMetadata`, so that plain tfjs loads it
 * (uncompiled) instead of failing; {@link loadModel} and {@link loadCheckpoint} restore it.
 *
 * Crash-safe: the weights go to a new file (`weights.<pid>.<tag>.<hex>.bin`), are flushed and read back
 * against their SHA-256, then a new `model.json` is renamed over the old one, the single atomic
 * step; the old weights file is deleted after it. At every instant, a kill or power cut included,
 * `dir/model.json` is the complete old model or the complete new one, for this library and for
 * plain tfjs readers alike; leftovers of a crashed save are removed by the next save or load of the
 * folder, never the files of a save still in progress, even one in another container (PID
 * namespace) or on another host sharing the folder: a crashed writer of this PID namespace is
 * recognised by its pid, any other once its files have not been touched for 15 minutes (a live save
 * touches them every 10 seconds). Missing parent directories are created. `model.json` records the
 * SHA-256 of the weights (`weightsSha256`) and of its own content (`modelJsonSha256`: topology and
 * manifest), both checked by {@link loadModel}; delete `modelJsonSha256` to edit the file by hand.
 *
 * Limits: a reader that fetches `model.json` just before a save commits and the weights just after
 * finds the old weights gone; {@link loadModel} then reads the new `model.json`, a plain tfjs
 * reader fails and must retry. A save stopped for more than 15 minutes (a suspended process) may
 * find its files removed by another container's cleaner; it then fails before committing.
 *
 * `dir` must not exist, or be an empty folder, a model folder (one holding a `model.json`), or hold
 * only files this library names; anything else (a file, a folder of other files) is refused, never
 * replaced. Only `model.json`, weight files no longer listed (`weights.<pid>.<tag>.<hex>.bin`,
 * `weights.bin`) and this library's temporaries are ever replaced or removed.
 *
 * @param model - The model to save.
 * @param dir - The directory to write. An existing model there is replaced.
 * @param options - Whether to include the optimizer; see {@link SaveModelOptions}.
 * @returns The directory, the weights file's name and size, and their SHA-256.
 * @throws {@link InvalidArgumentError} for an empty path or a model that is not a LayersModel;
 *   {@link ModelFileError} naming `dir` when it is not a model folder or the file system fails
 *   (permissions, full disk; `cause` holds the system error); {@link DataVerificationError} if the
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
  return saveModelWithHook(model, dir, options);
}

/**
 * {@link saveModel} with a hook run after each step of the folder write: tests stop the write there
 * to prove the folder is always loadable. Not part of the package's API.
 */
export async function saveModelWithHook(model: LayersModel, dir: string, options: SaveModelOptions = {}, hook?: WriteHook): Promise<SavedModel> {
  checkDir(dir);
  if (typeof (model as Partial<LayersModel> | null)?.save !== 'function') throw invalid('model', model, 'a tf.LayersModel');
  const { includeOptimizer } = resolveOptions('options', options, SAVE_MODEL_DEFAULTS, SAVE_MODEL_OPTIONS);
  assertBoolean('options.includeOptimizer', includeOptimizer);
  let saved: SavedModel | undefined;
  const handler = tf.io.withSaveHandler(async (artifacts) => {
    const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
    const sha256 = await sha256Hex(weights);
    const modelJson = (weightsFile: string): string => {
      const content = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        ...forPlainTfjs(artifacts.trainingConfig, artifacts.userDefinedMetadata),
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
        weightsSha256: sha256,
      };
      return JSON.stringify({ ...content, modelJsonSha256: contentSha256(content) });
    };
    const verify = async (readBack: Uint8Array, weightsFile: string): Promise<void> => {
      const actual = await sha256Hex(readBack);
      if (actual !== sha256) throw new DataVerificationError('the SHA-256 of the weights read back', { file: join(dir, weightsFile), expected: sha256, actual });
    };
    const weightsFile = await writeModelFolder(dir, { weights, modelJson, verify }, hook);
    saved = { dir, weightsFile, weightBytes: weights.length, sha256 };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  await freeingOptimizerWeights(includeOptimizer ? model.optimizer : undefined, () => model.save(handler, { includeOptimizer }));
  return saved!;
}

/** The optimizers every tfjs installation knows: a training configuration naming another one is stashed. */
const TFJS_OPTIMIZERS = new Set(
  [tf.AdadeltaOptimizer, tf.AdagradOptimizer, tf.AdamOptimizer, tf.AdamaxOptimizer, tf.MomentumOptimizer, tf.RMSPropOptimizer, tf.SGDOptimizer].map((c) => c.className),
);

/**
 * The training configuration and metadata as model.json holds them. Plain `tf.loadLayersModel`
 * compiles a model from its training configuration and fails on an optimizer class it does not
 * know ("Unknown layer: KerasSGD"): such a configuration goes into the metadata instead, which
 * plain tfjs passes through untouched (see STASHED_TRAINING_CONFIG); it then loads the model and
 * weights, uncompiled, and ignores the optimizer's weights.
 */
function forPlainTfjs(trainingConfig: tf.io.TrainingConfig | undefined, metadata: object | undefined): { trainingConfig?: object; userDefinedMetadata?: object } {
  const className = (trainingConfig?.optimizer_config as { class_name?: unknown } | undefined)?.class_name;
  if (trainingConfig && typeof className === 'string' && !TFJS_OPTIMIZERS.has(className)) {
    return { userDefinedMetadata: { ...metadata, [STASHED_TRAINING_CONFIG]: trainingConfig } };
  }
  return { ...(trainingConfig ? { trainingConfig } : {}), ...(metadata ? { userDefinedMetadata: metadata } : {}) };
}

/**
 * tfjs' `LayersModel.save` encodes `optimizer.getWeights()` and never frees what it returns; every
 * optimizer's first entry is a fresh iteration-count scalar (`saveIterations`), so each checkpoint
 * leaked one tensor. This frees the tensors `getWeights` created during `run` (not its variables,
 * which are the optimizer's state).
 */
async function freeingOptimizerWeights<T>(optimizer: tf.Optimizer | undefined, run: () => Promise<T>): Promise<T> {
  if (!optimizer) return run();
  const created: tf.Tensor[] = [];
  const own = Object.getOwnPropertyDescriptor(optimizer, 'getWeights');
  const original = optimizer.getWeights;
  const capturing = async function (this: tf.Optimizer): Promise<NamedTensor[]> {
    const weights = await original.call(this);
    for (const { tensor } of weights) if (!(tensor instanceof tf.Variable)) created.push(tensor);
    return weights;
  };
  optimizer.getWeights = capturing;
  try {
    return await run();
  } finally {
    if (optimizer.getWeights === capturing) {
      if (own) Object.defineProperty(optimizer, 'getWeights', own);
      else delete (optimizer as Partial<tf.Optimizer>).getWeights;
    }
    tf.dispose(created);
  }
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers-model `model.json` with its weight
 * files in the same folder), treating the folder as untrusted:
 *
 * - `model.json` must be a regular file of at most 64 MiB inside the folder, and is validated
 *   field by field (topology, training configuration, manifest: paths, names, shapes, types);
 * - every weights path must resolve, symbolic links included, to a regular file inside the folder
 *   (no `..`, no absolute path, no device, FIFO or folder);
 * - the weights' total size, computed from the manifest's shapes and types (float32, int32, bool,
 *   complex64; uint8/uint16/float16 quantization), must be at most 2 GiB and equal the files' sizes,
 *   checked before any weight is read; the SHA-256s of the weights and of model.json's content are
 *   checked when recorded (files written by {@link saveModel} record both);
 * - the model must build and run one prediction on zeros (tfjs builds topologies it cannot run).
 *
 * A model saved with its optimizer comes back compiled with it, state included. Leftovers of a
 * crashed save are removed (best effort). No tensor is left behind on failure.
 *
 * Limit: the topology is built by tfjs-layers, which allocates each layer's weights before they are
 * compared with the manifest; a `model.json` declaring huge layers makes it allocate accordingly
 * before failing. Load topologies only from sources you trust not to exhaust memory.
 *
 * @param dir - The directory holding `model.json`.
 * @returns The model.
 * @throws {@link DataVerificationError} when the weights are truncated or corrupt;
 *   {@link ModelFileError} naming the file when the folder holds no readable or valid model (with
 *   tfjs' own error as `cause` when it cannot build it, e.g. an unknown layer class).
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
  checkDir(dir);
  return (await loadModelFolder(dir)).model;
}

/** Reads, checks and builds the model of a folder, then removes what crashed writers left in it. */
export async function loadModelFolder(dir: string): Promise<{ model: LayersModel; json: ModelJson; file: string }> {
  const { file, json, weights } = await readModelFolder(dir);
  if (json.weightsSha256 !== undefined) {
    const actual = await sha256Hex(weights);
    const paths = json.weightsManifest.flatMap((group) => group.paths);
    if (actual !== json.weightsSha256) throw new DataVerificationError('the SHA-256 of the weights', { file: weightFilesLabel(dir, paths), expected: json.weightsSha256, actual });
  }
  const model = await buildModel(file, json, weights);
  await cleanModelFolder(dir);
  return { model, json, file };
}

/** Refuses a `dir` argument that is not a non-empty string. */
export function checkDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir === '') throw invalid('dir', dir, 'a non-empty directory path');
}
