// The shipped weights score on the 10,000 real test images what docs/results.md records.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel, loadFashionMnist, loadPretrainedModel, type FashionMnistSplit } from '../src/node.js';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { wasmBackend } from './helpers/wasm-backend.js';

const root = resolve(import.meta.dirname, '..');
let test: FashionMnistSplit;

wasmBackend();
beforeAll(async () => {
  ({ test } = await loadFashionMnist({ dir: '/usr/share/datasets/fashion-mnist', sources: ['debian'] }));
});

describe.skipIf(missing(FASHION_MNIST))('the shipped files', () => {
  it('classify the 10,000 real test images with the accuracy docs/results.md records (within 0.2 points)', async () => {
    const results = readFileSync(join(root, 'docs/results.md'), 'utf8');
    const recorded = /Shipped weights[^\n]*?\*\*(\d+\.\d+)%\*\* test accuracy/.exec(results)?.[1];
    expect(recorded, 'docs/results.md records the shipped weights\' accuracy').toBeDefined();
    const before = tf.memory().numTensors;
    const model = await loadPretrainedModel();
    const { accuracy } = await evaluateModel(model, test);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(test.labels.length).toBe(10_000);
    expect(Math.abs(accuracy * 100 - Number(recorded))).toBeLessThanOrEqual(0.2);
  }, 300_000);
});
