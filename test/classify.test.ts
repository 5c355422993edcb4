import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  classifyImage,
  classifyImages,
  evaluateModel,
  FASHION_MNIST_LABELS,
  InvalidArgumentError,
  loadFashionMnist,
  toFashionMnistPixels,
  type ClassifiableImage,
  type Classification,
  type FashionMnistSplit,
  type RgbImage,
} from '../src/node.js';
import { failingModel, flatModel, miniVggLike, smallModel } from './helpers/models.js';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { wasmBackend } from './helpers/wasm-backend.js';

let test: FashionMnistSplit;
let model: tfl.LayersModel;
/** The first test image, 784 bytes as the data set holds it. */
let pixels: Uint8Array;
/** Both suites use the real test images (bad input: the first one, beside a bad one). */
const noData = missing(FASHION_MNIST);

wasmBackend();
beforeAll(async () => {
  ({ test } = await loadFashionMnist({ dir: '/usr/share/datasets/fashion-mnist', sources: ['debian'] }));
  pixels = test.images.slice(0, 784);
  model = smallModel(3);
});
afterAll(() => model.dispose());

/** The gray image as RGB bytes. */
function asRgb(gray: Uint8Array, width = 28, height = 28): RgbImage {
  return { width, height, data: Uint8Array.from({ length: gray.length * 3 }, (_, i) => gray[Math.floor(i / 3)]!) };
}

/** Expects the same classification to within float rounding. */
function expectSame(actual: Classification, expected: Classification): void {
  expect(actual.classIndex).toBe(expected.classIndex);
  actual.probabilities.forEach((p, i) => expect(p).toBeCloseTo(expected.probabilities[i]!, 6));
}

describe.skipIf(noData)('classifyImages', () => {
  it('classifies a real Fashion-MNIST test image as evaluateModel does', async () => {
    const before = tf.memory().numTensors;
    const result = await classifyImage(model, pixels);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(result).sort()).toEqual(['classIndex', 'label', 'probabilities', 'probability', 'ranked']);
    expect(result.probabilities).toHaveLength(10);
    expect(result.probabilities.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    expect(result.label).toBe(FASHION_MNIST_LABELS[result.classIndex]);
    expect(result.probability).toBe(Math.max(...result.probabilities));
    expect(result.ranked.map((r) => r.label).sort()).toEqual([...FASHION_MNIST_LABELS].sort());
    expect(result.ranked[0]).toEqual({ classIndex: result.classIndex, label: result.label, probability: result.probability });
    for (let i = 1; i < 10; i++) expect(result.ranked[i]!.probability).toBeLessThanOrEqual(result.ranked[i - 1]!.probability);
    // The same preprocessing as the training loop: the probabilities of evaluateModel, bit for bit.
    const evaluation = await evaluateModel(model, { images: pixels, labels: test.labels.slice(0, 1), count: 1, height: 28, width: 28 });
    expect(result.probabilities).toEqual(Array.from(evaluation.probabilities));
  });

  it('reads every kind of image alike: RGB, RGBA, gray objects, canvases and tensors of each shape', async () => {
    const reference = await classifyImage(model, pixels);
    const rgba = { width: 28, height: 28, data: Uint8ClampedArray.from({ length: 784 * 4 }, (_, i) => (i % 4 === 3 ? 255 : pixels[Math.floor(i / 4)]!)) };
    const canvas = { width: 28, height: 28, getContext: (kind: '2d') => (kind === '2d' ? { getImageData: () => rgba } : null) };
    const tensors = [tf.tensor2d(pixels, [28, 28], 'int32'), tf.div(tf.tensor3d(pixels, [28, 28, 1]), 255), tf.tensor4d(pixels, [1, 28, 28, 1], 'int32'), tf.tensor3d(asRgb(pixels).data, [28, 28, 3], 'int32')];
    const inputs: ClassifiableImage[] = [asRgb(pixels), rgba, { width: 28, height: 28, data: pixels }, canvas, ...tensors];
    const before = tf.memory().numTensors;
    const results = await classifyImages(model, inputs);
    expect(tf.memory().numTensors).toBe(before);
    expect(results).toHaveLength(inputs.length);
    for (const result of results) expectSame(result, reference);
    tf.dispose(tensors);
  });

  it('classifies a batch tensor as its n images, in order', async () => {
    const batch = tf.tensor4d(test.images.subarray(0, 3 * 784), [3, 28, 28, 1], 'int32');
    const results = await classifyImages(model, batch);
    const one = await Promise.all([0, 1, 2].map((i) => classifyImage(model, test.images.slice(i * 784, (i + 1) * 784))));
    expect(results).toHaveLength(3);
    results.forEach((result, i) => expectSame(result, one[i]!));
    batch.dispose();
  });

  it('inverts pictures with a light background, as the tutorial prepares photos', async () => {
    // A dark square on white, and the same picture inverted by hand: the same input to the model.
    // (28x28, so that no resampling mixes in rounding: 255 - round(v) and round(255 - v) differ at .5.)
    const gray = new Uint8Array(28 * 28).fill(250);
    for (let y = 6; y < 22; y++) gray.fill(30, y * 28 + 8, y * 28 + 20);
    const inverted = gray.map((v) => 255 - v);
    const auto = await classifyImage(model, asRgb(gray));
    const manual = await classifyImage(model, asRgb(inverted), { invert: false });
    const kept = await classifyImage(model, asRgb(gray), { invert: false });
    expect(auto.probabilities).toEqual(manual.probabilities);
    expect(kept.probabilities).not.toEqual(auto.probabilities);
    // A transparent background (RGBA 0, 0, 0, 0) counts as white.
    const transparent = { width: 28, height: 28, data: Uint8ClampedArray.from({ length: 784 * 4 }, (_, i) => (gray[Math.floor(i / 4)] === 30 ? (i % 4 === 3 ? 255 : 30) : 0)) };
    const white = asRgb(gray.map((v) => (v === 30 ? 30 : 255)));
    expect((await classifyImage(model, transparent)).probabilities).toEqual((await classifyImage(model, white)).probabilities);
  });

  it('fits models with other sizes, channelsFirst, 3 channels and other class counts', async () => {
    const other = miniVggLike(2, { dataFormat: 'channelsFirst', depth: 3, height: 32, width: 24, classes: 4 });
    const picture = asRgb(pixels);
    const before = tf.memory().numTensors;
    const [named] = await classifyImages(other, [picture], { labels: ['a', 'b', 'c', 'd'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(named!.probabilities).toHaveLength(4);
    expect(named!.label).toBe(['a', 'b', 'c', 'd'][named!.classIndex]);
    expect((await classifyImage(other, picture)).ranked.map((r) => r.label).sort()).toEqual(['0', '1', '2', '3']);
    // By hand: the tutorial's preprocessing at the model's size, scaled, gray in 3 channels, channels first.
    const x = tf.tidy(() => tf.tile(tf.div(tf.tensor4d(toFashionMnistPixels(picture, { width: 24, height: 32 }), [1, 1, 32, 24]), 255), [1, 3, 1, 1]));
    const y = other.predict(x) as tf.Tensor;
    expect(named!.probabilities).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, y]);
    other.dispose();
  });

  it('gives a model that takes any size 28x28 images', async () => {
    const input = tfl.input({ shape: [null, null, 1] });
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(tfl.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input)) as tfl.SymbolicTensor;
    const any = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(pooled) as tfl.SymbolicTensor });
    const result = await classifyImage(any, asRgb(new Uint8Array(50 * 20), 50, 20));
    expect(result.probabilities).toHaveLength(3);
    any.dispose();
  });

  it('accepts canvases and ImageData in its types', () => {
    expectTypeOf<HTMLCanvasElement>().toExtend<ClassifiableImage>();
    expectTypeOf<OffscreenCanvas>().toExtend<ClassifiableImage>();
    expectTypeOf<ImageData>().toExtend<ClassifiableImage>();
    expectTypeOf<tf.Tensor3D>().toExtend<ClassifiableImage>();
  });
});

describe.skipIf(noData)('bad input', () => {
  const image = 'an image: an RgbImage or ImageData { width, height, data }, a canvas, a 28x28 grayscale Uint8Array, or a tensor of shape [height, width], [height, width, channels] or [n, height, width, channels]';
  /** Runs `call` on an input made beforehand, so the input's own tensors are not counted as leaks. */
  const on = <T,>(make: () => T, call: (input: T) => Promise<unknown>) => () => ({ input: make(), call });
  it.each([
    ['a number', on(() => 42, (x) => classifyImages(model, x as never)), `Argument \`images\` must be ${image}, but received 42.`],
    ['no images', on(() => [], (x) => classifyImages(model, x)), 'Argument `images` must be at least one image, but received [].'],
    ['a short gray array', on(() => new Uint8Array(100), (x) => classifyImage(model, x)), 'Argument `image` must be a grayscale image of 28x28 = 784 bytes (give other sizes as { width, height, data }), but received Uint8Array of length 100.'],
    ['pixels of the wrong length', on(() => [pixels, { width: 2, height: 2, data: new Uint8Array(5) }], (x) => classifyImages(model, x)), 'Argument `images[1].data` must be width * height = 4 pixels of 1 (gray), 3 (RGB) or 4 (RGBA) bytes, but received Uint8Array of length 5.'],
    ['an object that is no image', on(() => ({ width: 2, height: 2, data: [1, 2, 3, 4] }), (x) => classifyImage(model, x as never)), `Argument \`image\` must be ${image}, but received an object (Object).`],
    ['a 1-D tensor', on(() => [tf.zeros([784])], (x) => classifyImages(model, x)), `Argument \`images[0]\` must be ${image}, but received a tensor of shape [784].`],
    ['a batch of gray images without a channel axis', on(() => tf.zeros([5, 28, 28]), (x) => classifyImages(model, x)), `Argument \`images\` must be ${image}, but received a tensor of shape [5, 28, 28].`],
    ['values past 255', on(() => tf.fill([28, 28], 300), (x) => classifyImage(model, x)), 'Argument `image` must be a tensor of grey levels from 0 to 255 (or 0 to 1), not from 300 to 300, but received a tensor of shape [28, 28].'],
    ['NaN values', on(() => tf.fill([28, 28], NaN), (x) => classifyImage(model, x)), 'Argument `image` must be a tensor of grey levels from 0 to 255 (or 0 to 1), not from NaN to NaN, but received a tensor of shape [28, 28].'],
    ['a string tensor', on(() => tf.tensor2d([['a']]), (x) => classifyImage(model, x)), 'Argument `image` must be a tensor of float32 or int32, but received "a string tensor".'],
    ['a disposed tensor', on(() => {
      const gone = tf.zeros([1, 1]);
      gone.dispose();
      return gone;
    }, (x) => classifyImage(model, x)), 'Argument `image` must be a tensor that has not been disposed, but received a tensor of shape [1, 1].'],
    ['a WebGL canvas', on(() => ({ width: 4, height: 4, getContext: () => null }), (x) => classifyImage(model, x)), 'Argument `image` must be a canvas with a 2D context (this one has another kind, e.g. WebGL; draw it onto a 2D canvas first), but received an object (Object).'],
    ['several images to classifyImage', on(() => tf.zeros([2, 28, 28, 1]), (x) => classifyImage(model, x)), 'Argument `image` must be a single image (classifyImages takes several), but received a tensor of shape [2, 28, 28, 1].'],
    ['labels that do not match the classes', on(() => pixels, (x) => classifyImage(model, x, { labels: ['a', 'b'] })), 'Argument `options.labels` must be 10 class names (strings), one per output of the model, but received ["a", "b"].'],
    ['a bad inversion', on(() => pixels, (x) => classifyImage(model, x, { invert: 'yes' as never })), 'Argument `options.invert` must be one of true, false or "auto", but received "yes".'],
    ['a bad batch size', on(() => pixels, (x) => classifyImage(model, x, { batchSize: 0 })), 'Argument `options.batchSize` must be a positive integer, but received 0.'],
    ['a model that takes no images', on(flatModel, (x) => classifyImage(x, pixels)), 'Argument `model.inputs[0].shape` must be [null, height, width, channels] or [null, channels, height, width] (a batch of images), but received [null, 784].'],
  ] as Array<[string, () => { input: unknown; call: (input: unknown) => Promise<unknown> }, string]>)('rejects %s with a clear error and leaks nothing', async (_name, setup, message) => {
    const { input, call } = setup();
    const before = tf.memory().numTensors;
    const error = await call(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
    expect(tf.memory().numTensors).toBe(before);
    for (const owned of [input].flat()) if (owned && typeof (owned as { dispose?: unknown }).dispose === 'function') (owned as { dispose(): void }).dispose();
  });

  it('leaves nothing allocated when an error is thrown', async () => {
    const input = tf.fill([28, 28], 300);
    const before = tf.memory().numTensors;
    await expect(classifyImage(model, input)).rejects.toThrow(InvalidArgumentError);
    await expect(classifyImages(model, [pixels, 7 as never])).rejects.toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    const failing = failingModel();
    const afterModel = tf.memory().numTensors;
    await expect(classifyImages(failing, [pixels, pixels])).rejects.toThrow('FailingLayer was called');
    expect(tf.memory().numTensors).toBe(afterModel);
    failing.dispose();
  });
});
