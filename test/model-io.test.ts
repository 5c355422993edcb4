import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildMiniVGGNet,
  checkpointCallback,
  DataVerificationError,
  InvalidArgumentError,
  KerasSGD,
  loadCheckpoint,
  loadModel,
  ModelFileError,
  saveModel,
  trainFashionMnist,
} from '../src/node.js';
import type { HistoryRecord, TrainingResult } from '../src/training/train-options.js';
import { bandSplit, smallModel, weightsOf } from './helpers/models.js';
import { tempDir } from './helpers/temp-dir.js';
import { wasmBackend } from './helpers/wasm-backend.js';

const work = tempDir('model-io');
wasmBackend();

describe('saving, loading and resuming', () => {
  it('saves in the tfjs format and loads back the same predictions', async () => {
    const model = buildMiniVGGNet({ seed: 7 });
    const dir = join(work, 'model');
    const saved = await saveModel(model, dir);
    // weights.<pid>.<owner tag>.<12 hex digits>.bin (no tag where the platform has none).
    expect(saved.weightsFile).toMatch(/^weights\.\d+\.(?:[0-9a-f]{8}\.)?[0-9a-f]{12}\.bin$/);
    expect(readdirSync(dir).sort()).toEqual(['model.json', saved.weightsFile]);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([saved.weightsFile]);
    expect(json.weightsSha256).toBe(saved.sha256);
    expect(saved.weightBytes).toBe(1_679_082 * 4);
    const loaded = await loadModel(dir);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    // Saving again replaces the model and leaves neither the old weights nor temporaries.
    const again = await saveModel(loaded, dir);
    expect(again.weightsFile).not.toBe(saved.weightsFile);
    expect(readdirSync(dir).sort()).toEqual(['model.json', again.weightsFile]);
    expect(readdirSync(work).filter((f) => f.startsWith('.'))).toEqual([]);
    model.dispose();
    loaded.dispose();
  });

  it('refuses corrupt or truncated weights', async () => {
    const dir = join(work, 'corrupt');
    const model = smallModel();
    const { weightsFile } = await saveModel(model, dir);
    model.dispose();
    const path = join(dir, weightsFile);
    const weights = readFileSync(path);
    weights[10] = weights[10]! ^ 0xff;
    writeFileSync(path, weights);
    const error = (await loadModel(dir).catch((e: unknown) => e)) as DataVerificationError;
    expect(error).toBeInstanceOf(DataVerificationError);
    expect(error.message).toMatch(new RegExp(`^${path}: the SHA-256 of the weights should be [0-9a-f]{64} but is [0-9a-f]{64}\\.$`));
    writeFileSync(path, weights.subarray(0, 100));
    await expect(loadModel(dir)).rejects.toThrow(`${path}: the size of the weights in bytes should be ${weights.length} but is 100.`);
    await expect(loadModel(join(work, 'missing'))).rejects.toThrow(/missing\/model\.json: not readable \(the folder does not exist\)\.$/);
  });

  it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
    const data = { train: bandSplit(32), test: bandSplit(12, 2) };
    const options = { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 5 };
    const straight = smallModel();
    const full = await trainFashionMnist(straight, data, options);

    const interrupted = smallModel();
    const dir = join(work, 'checkpoint');
    await trainFashionMnist(interrupted, data, { ...options, callbacks: [checkpointCallback(interrupted, dir), { onEpochEnd: (epoch) => epoch < 1 }] });
    interrupted.dispose();
    const checkpoint = await loadCheckpoint(dir);
    expect(checkpoint.initialEpoch).toBe(2);
    expect((checkpoint.model.optimizer as KerasSGD).iterations).toBe(8);
    const resumed = await trainFashionMnist(checkpoint.model, data, { ...options, initialEpoch: checkpoint.initialEpoch, history: checkpoint.history });

    expect(resumed.epoch).toEqual([0, 1, 2]);
    const [expected, actual] = [await weightsOf(straight), await weightsOf(checkpoint.model)];
    expected.forEach((w, i) => w.forEach((v, j) => expect(actual[i]![j]).toBeCloseTo(v, 5)));
    expect(resumed.history.loss[2]).toBeCloseTo(full.history.loss[2]!, 5);
    await expect(loadCheckpoint(join(work, 'model'))).rejects.toThrow(`${join(work, 'model')}: a model but not a training checkpoint (no optimizer state or epoch).`);
  });
});

describe('argument errors', () => {
  it.each([
    [() => saveModel(smallModel(), ''), 'Argument `dir` must be a non-empty directory path, but received "".'],
    [() => loadModel(''), 'Argument `dir` must be a non-empty directory path, but received "".'],
    [async () => checkpointCallback(smallModel(), ''), 'Argument `dir` must be a non-empty directory path, but received "".'],
    [() => loadCheckpoint(''), 'Argument `dir` must be a non-empty directory path, but received "".'],
    [() => saveModel({} as never, join(work, 'x')), 'Argument `model` must be a tf.LayersModel, but received an object (Object).'],
  ] as Array<[() => Promise<unknown>, string]>)('rejects bad arguments %#', async (call, message) => {
    const error = await Promise.resolve().then(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });
});

/** A small model compiled with KerasSGD and trained one step, so its optimizer has state. */
async function trainedModel(seed = 1): Promise<ReturnType<typeof smallModel>> {
  const model = smallModel(seed);
  await trainFashionMnist(model, { train: bandSplit(8), test: bandSplit(4) }, { epochs: 1, batchSize: 8, seed: 3 });
  return model;
}

/** Frees a loaded model and its optimizer (tfjs does not own an optimizer restored from a file). */
function disposeAll(model: { optimizer?: { dispose(): void } | null; dispose(): unknown }): void {
  model.optimizer?.dispose();
  model.dispose();
}

function modelJsonOf(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

/** Edits model.json as a hostile file would: without the content checksum that would catch the edit. */
function editModelJson(dir: string, edit: (json: Record<string, any>) => void): void {
  const json = modelJsonOf(dir);
  delete json.modelJsonSha256;
  edit(json);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('save targets', () => {
  it('creates missing parent folders', async () => {
    const model = smallModel();
    const dir = join(work, 'deep', 'er', 'model');
    await saveModel(model, dir);
    expect(readdirSync(dir)).toContain('model.json');
    model.dispose();
  });

  it('writes into an empty folder', async () => {
    const model = smallModel();
    const dir = join(work, 'empty');
    mkdirSync(dir);
    await saveModel(model, dir);
    expect(readdirSync(dir)).toContain('model.json');
    model.dispose();
  });

  it('refuses a regular file at the target and leaves it untouched', async () => {
    const model = smallModel();
    const path = join(work, 'a-file');
    writeFileSync(path, 'precious');
    const error = await errorOf(saveModel(model, path));
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toBe(`${path}: a file, not a model folder; refusing to replace it.`);
    expect((error as ModelFileError).file).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(work).filter((f) => f.startsWith('.'))).toEqual([]);
    model.dispose();
  });

  it('refuses a folder of other files that holds no model.json', async () => {
    const model = smallModel();
    const dir = join(work, 'photos');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.jpg'), 'x');
    const error = await errorOf(saveModel(model, dir));
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toBe(`${dir}: a folder without model.json that holds other files (a.jpg); refusing to write a model into it.`);
    expect(readdirSync(dir)).toEqual(['a.jpg']);
    model.dispose();
  });

  it('names the target, not a temporary, when the file system fails', async () => {
    const model = smallModel();
    writeFileSync(join(work, 'not-a-folder'), '');
    const dir = join(work, 'not-a-folder', 'model');
    const error = await errorOf(saveModel(model, dir));
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toBe(`${dir}: the model cannot be saved here; a part of the path is a file, not a folder (ENOTDIR).`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    model.dispose();
  });
});

describe('no tensor left behind', () => {
  it('saving models and checkpoints leaves the tensor count unchanged (0 per checkpoint)', async () => {
    const model = await trainedModel();
    const dir = join(work, 'leak-checkpoint');
    const callback = checkpointCallback(model, dir);
    const history: HistoryRecord = { loss: [1], accuracy: [0.5], val_loss: [], val_accuracy: [] };
    const result: TrainingResult = { epoch: [0], history };
    await callback.onEpochEnd!(0, { loss: 1, accuracy: 0.5, seconds: 1 }, result);
    const before = tf.memory().numTensors;
    for (let epoch = 1; epoch <= 3; epoch++) await callback.onEpochEnd!(epoch, { loss: 1, accuracy: 0.5, seconds: 1 }, result);
    await saveModel(model, join(work, 'leak-model'));
    await saveModel(model, join(work, 'leak-model'), { includeOptimizer: true });
    // A save that fails (here: a file in the way) frees what it took too.
    writeFileSync(join(work, 'leak-file'), '');
    await expect(saveModel(model, join(work, 'leak-file'), { includeOptimizer: true })).rejects.toThrow(ModelFileError);
    expect(tf.memory().numTensors).toBe(before);
    // The optimizer still works after its weights were read for saving.
    expect((model.optimizer as KerasSGD).iterations).toBe(1);
    disposeAll(model);
  });

  it('loadModel and loadCheckpoint leave nothing but the model, and nothing on failure', async () => {
    const model = await trainedModel();
    const dir = join(work, 'leak-load');
    const callback = checkpointCallback(model, dir);
    await callback.onEpochEnd!(0, { loss: 1, accuracy: 0.5, seconds: 1 }, { epoch: [0], history: { loss: [1], accuracy: [0.5], val_loss: [], val_accuracy: [] } });
    disposeAll(model);
    const before = tf.memory().numTensors;
    disposeAll(await loadModel(dir));
    disposeAll((await loadCheckpoint(dir)).model);
    expect(tf.memory().numTensors).toBe(before);

    const original = readFileSync(join(dir, 'model.json'), 'utf8');
    const restore = () => writeFileSync(join(dir, 'model.json'), original);
    const failures: Array<[string, (json: Record<string, any>) => void, RegExp]> = [
      // The last layer fails after the first ones built their variables.
      ['unknown class', (j) => (j.modelTopology.config.layers.at(-1).class_name = 'NoSuchLayer'), /tfjs cannot build its topology \(Unknown layer: NoSuchLayer\.\)\.$/],
      ['bad config', (j) => (j.modelTopology.config.layers.at(-1).config.units = -1), /tfjs cannot build its topology \(Expected units to be a positive integer, but got -1\.\)\.$/],
      // A KerasSGD configuration is kept in the metadata, where plain tfjs ignores it.
      ['bad optimizer', (j) => (j.userDefinedMetadata.tfjsFashionMnistTrainingConfig.optimizer_config.config.momentum = 2), /: tfjs cannot restore the training configuration \(Argument `options\.momentum` must be a number from 0 to 1, but received 2\.\)\.$/],
      ['swapped shapes', (j) => (j.weightsManifest[0].weights[0].shape = [...j.weightsManifest[0].weights[0].shape].reverse()), /: the weights do not fit the model \(Shape mismatch: \[3,3,1,4\] vs\. \[4,1,3,3\]\)\.$/],
      ['renamed weight', (j) => (j.weightsManifest[0].weights[0].name = 'other/kernel'), /: the weights do not fit the model \(Provided weight data has no target variable: other\/kernel\)\.$/],
      ['velocity shape', (j) => swapOptimizerShape(j), /the KerasSGD state \(an iteration count, then one velocity per trainable weight\) does not fit the model\.$/],
      ['epoch', (j) => (j.userDefinedMetadata.tfjsFashionMnistCheckpoint.epoch = -1), /the checkpoint's `epoch` must be a non-negative integer, but is -1\.$/],
      ['history', (j) => (j.userDefinedMetadata.tfjsFashionMnistCheckpoint.history.loss = ['x']), /the checkpoint's `history\.loss` must be an array of at most 1 numbers, but is \["x"\]\.$/],
    ];
    for (const [what, edit, message] of failures) {
      restore();
      editModelJson(dir, edit);
      const error = await errorOf(loadCheckpoint(dir));
      expect(error, what).toBeInstanceOf(ModelFileError);
      expect(error.message, what).toMatch(message);
      expect(tf.memory().numTensors, what).toBe(before);
    }
    restore();
    const plain = smallModel();
    await saveModel(plain, join(work, 'leak-plain'));
    plain.dispose();
    await expect(loadCheckpoint(join(work, 'leak-plain'))).rejects.toThrow('a model but not a training checkpoint');
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Makes the first velocity's shape differ from its weight's, keeping the byte count. */
function swapOptimizerShape(json: Record<string, any>): void {
  const velocity = json.weightsManifest[0].weights.find((w: { group?: string; name: string }) => w.group === 'optimizer' && w.name !== 'iter');
  velocity.shape = [...velocity.shape].reverse();
}
