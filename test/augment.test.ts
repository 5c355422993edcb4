import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  augmentSplit,
  checkpointCallback,
  InvalidArgumentError,
  KerasSGD,
  loadCheckpoint,
  trainFashionMnist,
  type AugmentOptions,
  type FashionMnistSplit,
} from '../src/node.js';
import { AUGMENT_DEFAULTS, RANDOM_ERASING_DEFAULTS } from '../src/training/augment.js';
import { imagesToTensor } from '../src/datasets/tensors.js';
import { shuffledIndices } from '../src/random.js';
import { augmentBatch, batchSeed, resolveAugment } from '../src/training/augment.js';
import { bandSplit, smallModel, weightsOf } from './helpers/models.js';
import { tempDir } from './helpers/temp-dir.js';
import { wasmBackend } from './helpers/wasm-backend.js';

const work = tempDir('augment');
wasmBackend();

/** n images of height x width with distinct, non-zero seeded pixels, so every shift and mirror is recognisable. */
function noiseSplit(n: number, height = 28, width = 28, seed = 1): FashionMnistSplit {
  let state = seed;
  const images = Uint8Array.from({ length: n * height * width }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 1 + ((state >>> 16) % 255);
  });
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), count: n, height, width };
}

/** `image` shifted by (dx, dy), mirrored first when `flip`, zeros shifted in: the reference transform, pixel by pixel. */
function shifted(image: Uint8Array, height: number, width: number, dx: number, dy: number, flip: boolean): Uint8Array {
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = y - dy;
      const sx = flip ? width - 1 - (x - dx) : x - dx;
      if (sy >= 0 && sy < height && x - dx >= 0 && x - dx < width) out[y * width + x] = image[sy * width + sx]!;
    }
  }
  return out;
}

/** Which shift (and mirror) turns `source` into `target`, or undefined if none does. */
function findTransform(source: Uint8Array, target: Uint8Array, height: number, width: number, t: number, flips: boolean[]) {
  for (const flip of flips) {
    for (let dy = -t; dy <= t; dy++) {
      for (let dx = -t; dx <= t; dx++) {
        if (shifted(source, height, width, dx, dy, flip).every((v, i) => v === target[i])) return { dx, dy, flip };
      }
    }
  }
  return undefined;
}

function image(split: FashionMnistSplit, i: number): Uint8Array {
  const pixels = split.height * split.width;
  return split.images.subarray(i * pixels, (i + 1) * pixels);
}

describe('augmentSplit', () => {
  it('translates with zero padding by every shift up to the maximum, and nothing else', () => {
    const split = noiseSplit(300, 7, 11);
    const copy = split.images.slice();
    const out = augmentSplit(split, { translate: 2 }, 3);
    expect(split.images).toEqual(copy);
    expect(out.labels).toEqual(split.labels);
    expect([out.count, out.height, out.width]).toEqual([300, 7, 11]);
    const seen = new Set<string>();
    for (let i = 0; i < out.count; i++) {
      const found = findTransform(image(split, i), image(out, i), 7, 11, 2, [false]);
      expect(found).toBeDefined();
      seen.add(`${found!.dx},${found!.dy}`);
    }
    // All 25 shifts from -2 to 2 on each axis turn up in 300 draws.
    expect(seen.size).toBe(25);
  });

  it('mirrors about half the images left to right', () => {
    const split = noiseSplit(400, 5, 6);
    const out = augmentSplit(split, { flip: true }, 9);
    let mirrored = 0;
    for (let i = 0; i < out.count; i++) {
      const found = findTransform(image(split, i), image(out, i), 5, 6, 0, [false, true]);
      expect(found).toBeDefined();
      if (found!.flip) mirrored++;
    }
    expect(mirrored).toBeGreaterThan(160);
    expect(mirrored).toBeLessThan(240);
  });

  it('flips, then translates, in one pass', () => {
    const split = noiseSplit(100, 9, 8);
    const out = augmentSplit(split, { flip: true, translate: 1 }, 4);
    const kinds = new Set<string>();
    for (let i = 0; i < out.count; i++) {
      const found = findTransform(image(split, i), image(out, i), 9, 8, 1, [false, true]);
      expect(found).toBeDefined();
      kinds.add(JSON.stringify(found));
    }
    expect(kinds.size).toBe(18);
  });

  it('erases one rectangle of the asked area and shape in about the asked share of images', () => {
    const split = { ...noiseSplit(500), images: new Uint8Array(500 * 784).fill(200) };
    const out = augmentSplit(split, { erase: { probability: 0.3, value: 7 } }, 11);
    let erased = 0;
    for (let i = 0; i < out.count; i++) {
      const pixels = image(out, i);
      const rows: number[] = [];
      const columns: number[] = [];
      pixels.forEach((v, p) => {
        if (v !== 200) {
          rows.push(Math.floor(p / 28));
          columns.push(p % 28);
        }
      });
      if (rows.length === 0) continue;
      erased++;
      expect(rows.every((_, k) => pixels[rows[k]! * 28 + columns[k]!] === 7)).toBe(true);
      const h = Math.max(...rows) - Math.min(...rows) + 1;
      const w = Math.max(...columns) - Math.min(...columns) + 1;
      // A solid rectangle of 2% to 33% of the image, up to rounding each side, 0.3 to 3.3 times as wide as tall (ditto).
      expect(rows.length).toBe(h * w);
      expect(h * w).toBeGreaterThanOrEqual(6);
      expect(h * w).toBeLessThanOrEqual(280);
      expect(w / h).toBeGreaterThan(0.2);
      expect(w / h).toBeLessThan(5);
    }
    expect(erased).toBeGreaterThan(110);
    expect(erased).toBeLessThan(190);
  });

  it('is deterministic in its seed, and copies the split when nothing is asked for', () => {
    const split = noiseSplit(20);
    const options: AugmentOptions = { translate: 3, flip: true, erase: true };
    expect(augmentSplit(split, options, 5).images).toEqual(augmentSplit(split, options, 5).images);
    expect(augmentSplit(split, options, 5).images).not.toEqual(augmentSplit(split, options, 6).images);
    const same = augmentSplit(split, {}, 5);
    expect(same.images).toEqual(split.images);
    expect(same.images).not.toBe(split.images);
    expect(augmentSplit(split, { erase: { probability: 0 } }, 5).images).toEqual(split.images);
  });

  it('documents its defaults: off, and torchvision erasing', () => {
    expect(AUGMENT_DEFAULTS).toEqual({ translate: 0, flip: false, erase: false });
    expect(RANDOM_ERASING_DEFAULTS).toEqual({ probability: 0.5, minArea: 0.02, maxArea: 0.33, minAspectRatio: 0.3, maxAspectRatio: 1 / 0.3, value: 0 });
    expect(resolveAugment('o', { erase: true })).toEqual({ translate: 0, flip: false, erase: RANDOM_ERASING_DEFAULTS });
    expect(resolveAugment('o', { translate: 0, flip: false, erase: false })).toBeUndefined();
  });

  it.each([
    [{ translate: -1 }, 'Argument `options.translate` must be a non-negative integer, but received -1.'],
    [{ translate: 1.5 }, 'Argument `options.translate` must be a non-negative integer, but received 1.5.'],
    [{ translate: 28 }, "Argument `options.translate` must be below the images' smallest side (28 pixels), or every image could be shifted out of view, but received 28."],
    [{ flip: 'yes' }, 'Argument `options.flip` must be true or false, but received "yes".'],
    [{ flips: true }, 'Argument `options.flips` must be left out (no such option; did you mean `flip`?), but received true.'],
    [null, 'Argument `options` must be an object of options, but received null.'],
    [{ erase: 0.5 }, 'Argument `options.erase` must be true, false or an object of random erasing options, but received 0.5.'],
    [{ erase: { p: 0.5 } }, 'Argument `options.erase.p` must be left out (no such option; the options are probability, minArea, maxArea, minAspectRatio, maxAspectRatio, value), but received 0.5.'],
    [{ erase: { probability: 1.5 } }, 'Argument `options.erase.probability` must be a number from 0 to 1, but received 1.5.'],
    [{ erase: { minArea: 0 } }, 'Argument `options.erase.minArea` must be a number above 0 and at most 1, but received 0.'],
    [{ erase: { maxArea: 2 } }, 'Argument `options.erase.maxArea` must be a number above 0 and at most 1, but received 2.'],
    [{ erase: { minArea: 0.5, maxArea: 0.4 } }, 'Argument `options.erase.minArea` must be at most maxArea (0.4), but received 0.5.'],
    [{ erase: { minAspectRatio: -1 } }, 'Argument `options.erase.minAspectRatio` must be a positive finite number, but received -1.'],
    [{ erase: { minAspectRatio: 2, maxAspectRatio: 1 } }, 'Argument `options.erase.minAspectRatio` must be at most maxAspectRatio (1), but received 2.'],
    [{ erase: { value: 256 } }, 'Argument `options.erase.value` must be an integer from 0 to 255, but received 256.'],
  ])('rejects %j', (options, message) => {
    const error = (() => {
      try {
        augmentSplit(noiseSplit(2), options as AugmentOptions, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });

  it('rejects a bad split or seed', () => {
    expect(() => augmentSplit({ ...noiseSplit(2), count: 3 }, { flip: true }, 1)).toThrow('Argument `split.images` must be a Uint8Array of count * height * width = 2352 bytes, but received Uint8Array of length 1568.');
    expect(() => augmentSplit(noiseSplit(2), { flip: true }, -1)).toThrow('Argument `seed` must be a non-negative integer, but received -1.');
  });

  it('costs microseconds per batch of 32', () => {
    const split = noiseSplit(32);
    const settings = resolveAugment('o', { translate: 2, flip: true, erase: true })!;
    const indices = Uint32Array.from({ length: 32 }, (_, i) => i);
    for (let i = 0; i < 50; i++) augmentBatch(split, indices, settings, i);
    const start = performance.now();
    for (let i = 0; i < 200; i++) augmentBatch(split, indices, settings, i);
    // A generous bound for a loaded machine: a MiniVGGNet training step takes tens of milliseconds.
    expect((performance.now() - start) / 200).toBeLessThan(2);
  });
});

/** A layer that records what it is given (training batches and validation batches alike) and passes it on. */
class Recorder extends tfl.layers.Layer {
  static readonly className = 'Recorder';
  readonly seen: { shape: number[]; values: Float32Array }[] = [];
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    this.seen.push({ shape: x.shape, values: x.dataSync() as Float32Array });
    return tf.clone(x);
  }
}

function recordingModel(inputShape: number[]): { model: tfl.Sequential; recorder: Recorder } {
  const recorder = new Recorder({ inputShape });
  const model = tfl.sequential({ layers: [recorder, tfl.layers.flatten(), tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
  return { model, recorder };
}

describe('augmentation in trainFashionMnist', () => {
  const options: AugmentOptions = { translate: 2, flip: true, erase: true };

  it('feeds the model augmented training batches, seeded by seed, epoch and step, and plain validation images', async () => {
    const train = noiseSplit(20);
    const test = noiseSplit(6, 28, 28, 2);
    const { model, recorder } = recordingModel([28, 28, 1]);
    await trainFashionMnist(model, { train, test }, { epochs: 2, batchSize: 8, seed: 3, augment: options });
    const settings = resolveAugment('o', options)!;
    const expected: Float32Array[] = [];
    for (const epoch of [0, 1]) {
      const order = shuffledIndices(20, 3 + epoch);
      for (let step = 0; step * 8 < 20; step++) {
        const batch = augmentBatch(train, order.subarray(step * 8, step * 8 + 8), settings, batchSeed(3, epoch, step));
        expected.push(Float32Array.from(batch.images, (v) => v / 255));
      }
      expected.push(Float32Array.from(test.images, (v) => v / 255));
    }
    expect(recorder.seen.map((s) => s.values)).toEqual(expected);
    // The transforms did change the training images.
    expect(recorder.seen[0]!.values).not.toEqual(Float32Array.from(train.images.subarray(0, 8 * 784), (v) => v / 255));
    (model.optimizer as KerasSGD).dispose();
    model.dispose();
  });

  it('augments at the split\'s own size, before resizing to a channelsFirst model of another size', async () => {
    const train = noiseSplit(6, 20, 24);
    const { model, recorder } = recordingModel([1, 14, 12]);
    await trainFashionMnist(model, { train }, { epochs: 1, batchSize: 6, shuffle: false, augment: options });
    const batch = augmentBatch(train, [0, 1, 2, 3, 4, 5], resolveAugment('o', options)!, batchSeed(42, 0, 0));
    const x = imagesToTensor(batch, [0, 1, 2, 3, 4, 5], { height: 14, width: 12, channels: 1, dataFormat: 'channelsFirst' });
    expect(recorder.seen[0]!.shape).toEqual([6, 1, 14, 12]);
    expect(recorder.seen[0]!.values).toEqual(x.dataSync());
    x.dispose();
    (model.optimizer as KerasSGD).dispose();
    model.dispose();
  });

  it('gives the same weights on every run with the same seed, and a resumed run the same as an uninterrupted one', async () => {
    const data = { train: bandSplit(32), test: bandSplit(12, 2) };
    const settings = { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 5, augment: options };
    const before = tf.memory().numTensors;
    const straight = smallModel();
    const full = await trainFashionMnist(straight, data, settings);
    const again = smallModel();
    await trainFashionMnist(again, data, settings);
    expect(await weightsOf(again)).toEqual(await weightsOf(straight));
    const plain = smallModel();
    await trainFashionMnist(plain, data, { ...settings, augment: {} });
    expect(await weightsOf(plain)).not.toEqual(await weightsOf(straight));

    const interrupted = smallModel();
    const dir = join(work, 'checkpoint');
    await trainFashionMnist(interrupted, data, { ...settings, callbacks: [checkpointCallback(interrupted, dir), { onEpochEnd: (epoch) => epoch < 1 }] });
    const checkpoint = await loadCheckpoint(dir);
    expect(checkpoint.initialEpoch).toBe(2);
    const resumed = await trainFashionMnist(checkpoint.model, data, { ...settings, initialEpoch: checkpoint.initialEpoch, history: checkpoint.history });
    expect(await weightsOf(checkpoint.model)).toEqual(await weightsOf(straight));
    expect(resumed.history).toEqual(full.history);
    for (const model of [straight, again, plain, interrupted, checkpoint.model]) {
      (model.optimizer as KerasSGD).dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    [{ translate: 28 }, "Argument `options.augment.translate` must be below the images' smallest side (28 pixels), or every image could be shifted out of view, but received 28."],
    [{ erase: { probability: -0.1 } }, 'Argument `options.augment.erase.probability` must be a number from 0 to 1, but received -0.1.'],
    [[], 'Argument `options.augment` must be an object of options, but received [].'],
  ])('rejects augment %j before compiling or allocating', async (augment, message) => {
    const model = smallModel();
    const before = tf.memory().numTensors;
    const error = await trainFashionMnist(model, { train: bandSplit(4) }, { augment: augment as AugmentOptions }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.optimizer).toBeUndefined();
    model.dispose();
  });
});
