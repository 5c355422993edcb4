import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMiniVGGNet,
  checkpointCallback,
  DataVerificationError,
  InvalidArgumentError,
  KerasSGD,
  loadCheckpoint,
  loadModel,
  saveModel,
  trainFashionMnist,
} from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { bandSplit, smallModel, weightsOf } from './helpers/models.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-model-io-'));
beforeAll(async () => {
  await useWasmBackend({ threads: 1 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('saving, loading and resuming', () => {
  it('saves in the tfjs format and loads back the same predictions', async () => {
    const model = buildMiniVGGNet({ seed: 7 });
    const dir = join(work, 'model');
    const saved = await saveModel(model, dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsSha256).toBe(saved.sha256);
    expect(saved.weightBytes).toBe(1_679_082 * 4);
    const loaded = await loadModel(dir);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    // Saving again replaces the directory whole and leaves no temporaries.
    await saveModel(loaded, dir);
    expect(readdirSync(work).filter((f) => f.startsWith('.'))).toEqual([]);
    model.dispose();
    loaded.dispose();
  });

  it('refuses corrupt or truncated weights', async () => {
    const dir = join(work, 'corrupt');
    await saveModel(smallModel(), dir);
    const weights = readFileSync(join(dir, 'weights.bin'));
    weights[10] = weights[10]! ^ 0xff;
    writeFileSync(join(dir, 'weights.bin'), weights);
    const error = (await loadModel(dir).catch((e: unknown) => e)) as DataVerificationError;
    expect(error).toBeInstanceOf(DataVerificationError);
    expect(error.message).toMatch(new RegExp(`^${dir}/weights\\.bin: the SHA-256 of the weights should be [0-9a-f]{64} but is [0-9a-f]{64}\\.$`));
    writeFileSync(join(dir, 'weights.bin'), weights.subarray(0, 100));
    await expect(loadModel(dir)).rejects.toThrow(`${dir}/weights.bin: the size of the weights in bytes should be ${weights.length} but is 100.`);
    await expect(loadModel(join(work, 'missing'))).rejects.toThrow(/^No readable model\.json in .*missing/);
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
    await expect(loadCheckpoint(join(work, 'model'))).rejects.toThrow(`${join(work, 'model')} holds a model but not a training checkpoint (no optimizer state or epoch).`);
  });
});

describe('argument errors', () => {
  it.each([
    [() => saveModel(smallModel(), ''), 'Argument `dir` must be a non-empty directory path, but received "".'],
    [() => loadModel(''), 'Argument `dir` must be a non-empty directory path, but received "".'],
    [async () => checkpointCallback(smallModel(), ''), 'Argument `dir` must be a non-empty directory path, but received "".'],
  ] as Array<[() => Promise<unknown>, string]>)('rejects bad arguments %#', async (call, message) => {
    const error = await Promise.resolve().then(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });
});
