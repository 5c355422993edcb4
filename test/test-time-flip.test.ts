import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyImages, evaluateModel, InvalidArgumentError, type FashionMnistSplit } from '../src/index.js';
import { bandSplit, failingModel, miniVggLike } from './helpers/models.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The split with every image mirrored left to right, computed on the bytes. */
function mirrored(split: FashionMnistSplit): FashionMnistSplit {
  const images = new Uint8Array(split.images.length);
  for (let i = 0; i < split.count; i++) {
    for (let y = 0; y < split.height; y++) {
      for (let x = 0; x < split.width; x++) {
        const row = (i * split.height + y) * split.width;
        images[row + x] = split.images[row + split.width - 1 - x]!;
      }
    }
  }
  return { ...split, images };
}

/** A split whose images are not symmetric, so that mirroring changes what the model sees. */
function lopsidedSplit(n: number): FashionMnistSplit {
  const split = bandSplit(n);
  for (let i = 0; i < n; i++) split.images.fill(0, i * 784, i * 784 + 784 - (i % 5) - 10);
  for (let i = 0; i < n; i++) for (let y = 0; y < 28; y++) split.images.fill(180, i * 784 + y * 28, i * 784 + y * 28 + 3 + (i % 7));
  return split;
}

describe('flip test-time augmentation', () => {
  for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
    it(`averages each image's probabilities with its mirror image's (${dataFormat})`, async () => {
      const model = miniVggLike(3, { dataFormat });
      const split = lopsidedSplit(6);
      const direct = await evaluateModel(model, split);
      const mirror = await evaluateModel(model, mirrored(split));
      const before = tf.memory().numTensors;
      const flipped = await evaluateModel(model, split, { testTimeFlip: true, batchSize: 4 });
      expect(tf.memory().numTensors).toBe(before);
      // Mirroring changes what this model predicts, so the mean is a real test of the flip.
      expect(Math.max(...direct.probabilities.map((p, i) => Math.abs(p - mirror.probabilities[i]!)))).toBeGreaterThan(1e-4);
      for (let i = 0; i < flipped.probabilities.length; i++) {
        expect(flipped.probabilities[i]).toBeCloseTo((direct.probabilities[i]! + mirror.probabilities[i]!) / 2, 6);
      }
      // An image and its mirror image get the same answer.
      const ofMirror = await evaluateModel(model, mirrored(split), { testTimeFlip: true });
      for (let i = 0; i < flipped.probabilities.length; i++) expect(ofMirror.probabilities[i]).toBeCloseTo(flipped.probabilities[i]!, 6);
      model.dispose();
    });
  }

  it('gives classifyImages the same probabilities as evaluateModel', async () => {
    const model = miniVggLike(5);
    const split = lopsidedSplit(3);
    const expected = await evaluateModel(model, split, { testTimeFlip: true });
    const pictures = Array.from({ length: 3 }, (_, i) => split.images.slice(i * 784, (i + 1) * 784));
    const before = tf.memory().numTensors;
    const results = await classifyImages(model, pictures, { testTimeFlip: true, invert: false });
    expect(tf.memory().numTensors).toBe(before);
    results.forEach((result, i) => {
      result.probabilities.forEach((p, c) => expect(p).toBeCloseTo(expected.probabilities[i * 10 + c]!, 6));
    });
    model.dispose();
  });

  it('refuses a value that is not a boolean, naming the option', async () => {
    const model = miniVggLike(1);
    const before = tf.memory().numTensors;
    await expect(evaluateModel(model, bandSplit(2), { testTimeFlip: 'yes' as unknown as boolean })).rejects.toThrow(
      new InvalidArgumentError('true or false', { argument: 'options.testTimeFlip', received: 'yes' }),
    );
    await expect(classifyImages(model, new Uint8Array(784), { testTimeFlip: 1 as unknown as boolean })).rejects.toThrow(InvalidArgumentError);
    await expect(evaluateModel(model, bandSplit(2), 4 as never)).rejects.toThrow(/Argument `options` must be an object/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('leaves no tensor behind when the model throws', async () => {
    const model = failingModel();
    const before = tf.memory().numTensors;
    await expect(evaluateModel(model, bandSplit(4), { testTimeFlip: true })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
