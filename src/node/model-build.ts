// Node-only: builds a LayersModel with tfjs from a model folder already read and checked
// (model-files.ts), with its training configuration and optimizer state, and frees everything tfjs
// created when any step fails.
import * as tf from '@tensorflow/tfjs-core';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { ModelFileError } from '../errors.js';
import { KerasSGD, registerKerasSGD, type NamedTensor } from '../training/sgd.js';
import type { ModelJson, WeightSpec } from './model-json.js';

/** Builds the model with tfjs, disposing whatever it created when any step fails. */
export async function buildModel(file: string, json: ModelJson, weights: Uint8Array): Promise<LayersModel> {
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
  checkLayerNames(file, topology);
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

/** The names tfjs accepts for a layer's weights (tfjs-layers' `isValidTensorName`). */
const TFJS_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

/**
 * tfjs creates a weight's initial value before it checks the weight's name, and leaks that tensor
 * when the name is refused; so every layer name of the topology is checked first.
 */
function checkLayerNames(file: string, node: unknown, depth = 0): void {
  if (typeof node !== 'object' || node === null || depth > 64) return;
  const { class_name: className, config } = node as { class_name?: unknown; config?: { name?: unknown } };
  const name = typeof className === 'string' && typeof config === 'object' && config !== null ? config.name : undefined;
  // tfjs makes a string of whatever the name is (['../x'] is "../x").
  if (name !== undefined && name !== null && !TFJS_NAME.test(String(name))) {
    throw new ModelFileError(`tfjs cannot build its topology (the name ${JSON.stringify(name)} of a ${className as string} is not a valid tfjs name)`, { file });
  }
  for (const value of Object.values(node)) checkLayerNames(file, value, depth + 1);
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
  return new ModelFileError(`${what} (${first})`, { file, cause: error });
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
    throw new ModelFileError(`the optimizer's iteration count must be a non-negative integer, but is ${iterations}`, { file });
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
  if (!fits) throw new ModelFileError('the KerasSGD state (an iteration count, then one velocity per trainable weight) does not fit the model', { file });
}

/** Frees a model built here and its optimizer, which tfjs does not own when it comes from a training configuration. */
export function disposeModel(model: LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}
