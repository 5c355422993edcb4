// Checkpoints and other saved folders must load with plain tfjs (`tf.loadLayersModel`, in a process
// that has nothing of this library, so no KerasSGD registered), as the README promises; this
// library's loaders must still restore the optimizer and its state.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KerasSGD, loadCheckpoint, loadModel, ModelFileError, saveModel } from '../src/node.js';
import { checkpointModel, serveFolder, weightValues } from './helpers/model-folders.js';
import { smallModel } from './helpers/models.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-plain-tfjs-'));
beforeAll(() => tf.setBackend('cpu'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface PlainOutcome {
  ok: boolean;
  message?: string;
  compiled?: boolean;
  metadata?: Record<string, unknown> | null;
  weights?: number[][];
}

async function plainTfjs(dir: string): Promise<PlainOutcome> {
  const server = await serveFolder(dir);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join('test', 'fixtures', 'plain-tfjs-load.ts'), server.url], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as PlainOutcome;
  } finally {
    await server.close();
  }
}

describe('folders saved with a KerasSGD optimizer (checkpoints)', () => {
  it('load with plain tfjs, uncompiled, with their weights and metadata; the library restores the optimizer', async () => {
    const dir = join(work, 'checkpoint');
    const model = checkpointModel(1, 0);
    // One training step, so that the optimizer has state to restore.
    const [x, y] = [tf.zeros([2, 28, 28, 1]), tf.oneHot(tf.tensor1d([1, 2], 'int32'), 10)];
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    await saveModel(model, dir, { includeOptimizer: true });
    const expected = await weightValues(model);

    const plain = await plainTfjs(dir);
    expect(plain).toMatchObject({ ok: true, compiled: false });
    expect(plain.weights).toEqual(expected);
    expect(plain.metadata).toHaveProperty('tfjsFashionMnistCheckpoint.epoch', 0);

    const checkpoint = await loadCheckpoint(dir);
    expect(checkpoint.model.optimizer).toBeInstanceOf(KerasSGD);
    expect(checkpoint.model.optimizer.iterations).toBe(1);
    expect(await weightValues(checkpoint.model)).toEqual(expected);
    // The stash is this library's business: the model's metadata is what the user set.
    expect(Object.keys(checkpoint.model.getUserDefinedMetadata() as object)).toEqual(['tfjsFashionMnistCheckpoint']);
    for (const m of [model, checkpoint.model]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('keep a training configuration plain tfjs knows where tfjs puts it', async () => {
    const dir = join(work, 'adam');
    const model = smallModel(2);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await saveModel(model, dir, { includeOptimizer: true });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig.optimizer_config.class_name).toBe('Adam');
    expect(json.userDefinedMetadata).toBeUndefined();
    expect(await plainTfjs(dir)).toMatchObject({ ok: true, compiled: true });
    const loaded = await loadModel(dir);
    expect(loaded.optimizer).toBeInstanceOf(tf.AdamOptimizer);
    for (const m of [model, loaded]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('refuse a stashed training configuration that is not an object, or one beside a trainingConfig', async () => {
    const dir = join(work, 'tampered');
    const model = checkpointModel(3, 0);
    await saveModel(model, dir, { includeOptimizer: true });
    model.optimizer.dispose();
    model.dispose();
    const file = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    delete json.modelJsonSha256;
    const stashed = json.userDefinedMetadata.tfjsFashionMnistTrainingConfig;
    writeFileSync(file, JSON.stringify({ ...json, userDefinedMetadata: { ...json.userDefinedMetadata, tfjsFashionMnistTrainingConfig: 'sgd' } }));
    await expect(loadModel(dir)).rejects.toThrow(new ModelFileError('`userDefinedMetadata.tfjsFashionMnistTrainingConfig` must be an object, but is "sgd"', { file }));
    writeFileSync(file, JSON.stringify({ ...json, trainingConfig: stashed }));
    await expect(loadModel(dir)).rejects.toThrow(/`trainingConfig` must be left out when `userDefinedMetadata\.tfjsFashionMnistTrainingConfig` holds it/);
  });
});
