import * as tf from '@tensorflow/tfjs-core';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { DataVerificationError, InvalidArgumentError, ModelFileError, describeValue } from '../errors.js';
import { sha256Hex } from '../datasets/decode.js';
import type { HistoryRecord, TrainingCallbacks, TrainingResult } from '../training/train.js';
import { KerasSGD, registerKerasSGD, type NamedTensor } from '../training/sgd.js';
import { cleanModelFolder, readModelFolder, weightFilesLabel, writeModelFolder, type WriteHook } from './model-files.js';
import { contentSha256, type ModelJson, type WeightSpec } from './model-json.js';

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
  /** Name of the weights file inside `dir`, unique to this save (`weights.<pid>.<hex>.bin`). */
  weightsFile: string;
  /** Size of the weights file in bytes. */
  weightBytes: number;
  /** SHA-256 of the weights file, recorded in model.json as `weightsSha256` and checked by {@link loadModel}. */
  sha256: string;
}

/**
 * Saves a model to a directory in the standard TensorFlow.js format (`model.json` plus one weights
 * file, loadable by `tf.loadLayersModel` from disk or over HTTP), without tfjs-node.
 *
 * Crash-safe: the weights go to a new file (`weights.<pid>.<hex>.bin`), are flushed and read back
 * against their SHA-256, then a new `model.json` is renamed over the old one, the single atomic
 * step; the old weights file is deleted after it. At every instant, a kill or power cut included,
 * `dir/model.json` is the complete old model or the complete new one, for this library and for
 * plain tfjs readers alike; leftovers of a crashed save are removed by the next save or load of the
 * folder. Missing parent directories are created. `model.json` records the SHA-256 of the weights
 * (`weightsSha256`) and of its own content (`modelJsonSha256`: topology and manifest), both checked
 * by {@link loadModel}; delete `modelJsonSha256` to edit the file by hand.
 *
 * Limit: a reader that fetches `model.json` just before a save commits and the weights just after
 * finds the old weights gone; {@link loadModel} then reads the new `model.json`, a plain tfjs
 * reader fails and must retry.
 *
 * `dir` must not exist, or be an empty folder, a model folder (one holding a `model.json`), or hold
 * only files this library names; anything else (a file, a folder of other files) is refused, never
 * replaced. Only `model.json`, weight files no longer listed (`weights.<pid>.<hex>.bin`,
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
  if (typeof (model as Partial<LayersModel> | null)?.save !== 'function') throw new InvalidArgumentError('model', 'a tf.LayersModel', model);
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
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
        weightsSha256: sha256,
      };
      return JSON.stringify({ ...content, modelJsonSha256: contentSha256(content) });
    };
    const verify = async (readBack: Uint8Array, weightsFile: string): Promise<void> => {
      const actual = await sha256Hex(readBack);
      if (actual !== sha256) throw new DataVerificationError(join(dir, weightsFile), 'the SHA-256 of the weights read back', sha256, actual);
    };
    const weightsFile = await writeModelFolder(dir, { weights, modelJson, verify }, hook);
    saved = { dir, weightsFile, weightBytes: weights.length, sha256 };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  const includeOptimizer = options.includeOptimizer ?? false;
  await freeingOptimizerWeights(includeOptimizer ? model.optimizer : undefined, () => model.save(handler, { includeOptimizer }));
  return saved!;
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

async function loadModelFolder(dir: string): Promise<{ model: LayersModel; json: ModelJson; file: string }> {
  const { file, json, weights } = await readModelFolder(dir);
  if (json.weightsSha256 !== undefined) {
    const actual = await sha256Hex(weights);
    const paths = json.weightsManifest.flatMap((group) => group.paths);
    if (actual !== json.weightsSha256) throw new DataVerificationError(weightFilesLabel(dir, paths), 'the SHA-256 of the weights', json.weightsSha256, actual);
  }
  const model = await buildModel(file, json, weights);
  await cleanModelFolder(dir);
  return { model, json, file };
}

/** Builds the model with tfjs, disposing whatever it created when any step fails. */
async function buildModel(file: string, json: ModelJson, weights: Uint8Array): Promise<LayersModel> {
  registerKerasSGD();
  const model = await deserialize(file, json.modelTopology);
  try {
    const { trainingConfig, userDefinedMetadata } = json;
    if (trainingConfig) {
      tfjsStep(file, 'tfjs cannot restore the training configuration', () => model.loadTrainingConfig(trainingConfig as unknown as Parameters<LayersModel['loadTrainingConfig']>[0]));
    }
    if (userDefinedMetadata) tfjsStep(file, 'tfjs cannot restore the user-defined metadata', () => model.setUserDefinedMetadata(userDefinedMetadata));
    const optimizerWeights = tfjsStep(file, 'the weights do not fit the model', () => loadWeights(model, json, weights));
    try {
      tfjsStep(file, 'tfjs cannot run the model it describes', () => tryPredict(model));
    } catch (error) {
      tf.dispose(optimizerWeights.map((w) => w.tensor));
      throw error;
    }
    if (optimizerWeights.length > 0) await restoreOptimizer(file, model, json, optimizerWeights);
    return model;
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

/**
 * tfjs builds the layers of a topology synchronously inside `modelFromJSON` (nothing there awaits
 * without a weights manifest), so the variables registered during that call are exactly this
 * model's: when a later layer fails, the earlier layers' variables are freed instead of leaked.
 */
async function deserialize(file: string, topology: Record<string, unknown>): Promise<LayersModel> {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  const pending = models.modelFromJSON({ modelTopology: topology } as Parameters<typeof models.modelFromJSON>[0]);
  const created = Object.entries(tf.engine().registeredVariables).filter(([name]) => !before.has(name));
  try {
    return await pending;
  } catch (error) {
    tf.dispose(created.map(([, variable]) => variable));
    throw tfjsError(file, 'tfjs cannot build its topology', error);
  }
}

/** Runs a synchronous tfjs step, freeing the variables it registered if it throws (an optimizer's, say). */
function tfjsStep<T>(file: string, what: string, step: () => T): T {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return step();
  } catch (error) {
    const created = Object.entries(tf.engine().registeredVariables).filter(([name]) => !before.has(name));
    tf.dispose(created.map(([, variable]) => variable));
    throw error instanceof ModelFileError ? error : tfjsError(file, what, error);
  }
}

function tfjsError(file: string, what: string, error: unknown): ModelFileError {
  // tfjs' messages run on with advice about Python and custom objects; the first sentence is the fact.
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/ This may be due to.*$/, '');
  return new ModelFileError(file, `${file}: ${what} (${first}).`, { cause: error });
}

/**
 * tfjs builds a topology without checking that its layers can compute (strides with dilations, say)
 * and would fail only at the first prediction; one prediction on zeros, when every input's size is
 * known, turns that into a load error.
 */
function tryPredict(model: LayersModel): void {
  const shapes = model.inputs.map((input) => input.shape.slice(1));
  if (shapes.some((shape) => shape.some((d) => d === null))) return;
  tf.tidy(() => {
    const inputs = model.inputs.map((input, i) => tf.zeros([1, ...(shapes[i] as number[])], input.dtype));
    model.predict(inputs.length === 1 ? inputs[0]! : inputs);
  });
}

/** Decodes the weights (checked by the manifest parser, so decoding cannot throw) and loads the model's. */
function loadWeights(model: LayersModel, json: ModelJson, weights: Uint8Array): NamedTensor[] {
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(buffer, specs as tf.io.WeightsManifestEntry[]);
  const modelWeights: tf.NamedTensorMap = {};
  const optimizerWeights: NamedTensor[] = [];
  for (const spec of specs) {
    if (spec.group === 'optimizer') optimizerWeights.push({ name: spec.name, tensor: decoded[spec.name]! });
    else modelWeights[spec.name] = decoded[spec.name]!;
  }
  try {
    model.loadWeights(modelWeights, true);
  } catch (error) {
    tf.dispose(Object.values(decoded));
    throw error;
  }
  tf.dispose(Object.values(modelWeights));
  // Without an optimizer tfjs ignores optimizer weights too.
  if (!model.optimizer) tf.dispose(optimizerWeights.map((w) => w.tensor));
  return model.optimizer ? optimizerWeights : [];
}

async function restoreOptimizer(file: string, model: LayersModel, json: ModelJson, weights: NamedTensor[]): Promise<void> {
  try {
    checkKerasSGDState(file, model, json);
    await model.optimizer.setWeights(weights);
  } catch (error) {
    throw error instanceof ModelFileError ? error : tfjsError(file, 'the optimizer state does not fit the model', error);
  } finally {
    tf.dispose(weights.map((w) => w.tensor));
  }
  const iterations = model.optimizer.iterations;
  if (!Number.isSafeInteger(iterations) || iterations < 0) {
    throw new ModelFileError(file, `${file}: the optimizer's iteration count must be a non-negative integer, but is ${iterations}.`);
  }
}

/**
 * KerasSGD stores the iteration count, then one velocity per trainable weight in order; tfjs would
 * accept any list and fail only at the next training step, deep in an op. Checked here instead.
 */
function checkKerasSGDState(file: string, model: LayersModel, json: ModelJson): void {
  if (!(model.optimizer instanceof KerasSGD)) return;
  const specs: WeightSpec[] = json.weightsManifest.flatMap((group) => group.weights).filter((spec) => spec.group === 'optimizer');
  const [iteration, ...velocities] = specs;
  const trainable = model.trainableWeights;
  const fits =
    iteration?.shape.length === 0 &&
    velocities.length <= trainable.length &&
    velocities.every((v, i) => v.dtype === 'float32' && tf.util.arraysEqual(v.shape, trainable[i]!.shape as number[]));
  if (!fits) throw new ModelFileError(file, `${file}: the KerasSGD state (an iteration count, then one velocity per trainable weight) does not fit the model.`);
}

/** Frees a model built here and its optimizer, which tfjs does not own when it comes from a training configuration. */
function disposeModel(model: LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
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
 * optimizer's state and the epoch's history, in one crash-safe folder write (see {@link saveModel}:
 * at every instant the folder holds the previous checkpoint or the new one). A run killed at any
 * point resumes with {@link loadCheckpoint} and loses at most the epoch in progress. Saving a
 * checkpoint leaves the number of tensors unchanged.
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
    if (state === undefined || !model.optimizer) throw new ModelFileError(dir, `${dir} holds a model but not a training checkpoint (no optimizer state or epoch).`);
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
    throw new ModelFileError(file, `${file}: the checkpoint's \`${field}\` must be ${expected}, but is ${describeValue(value)}.`);
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

function checkDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('dir', 'a non-empty directory path', dir);
}
