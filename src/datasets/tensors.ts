import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { shuffledIndices } from '../random.js';
import { DATA_FORMATS, type DataFormat } from '../types.js';
import { assertInteger, assertOneOf } from '../validate.js';
import type { FashionMnistSplit } from './fashion-mnist.js';

/**
 * Which images to keep: a number `n` keeps the first n (like `x[:n]` in Python); `{ count, seed }`
 * keeps a seeded random sample of `count` images without replacement, in random order.
 */
export type SplitSubset =
  | number
  | {
      /** How many images to sample. */
      count: number;
      /** Seed of the sample: the same seed picks the same images in the same order. */
      seed: number;
    };

/** Options of {@link splitToTensors}. Every field is optional. */
export interface SplitToTensorsOptions {
  /**
   * Layout of `xs`: `[n, 28, 28, 1]` for channelsLast, `[n, 1, 28, 28]` for channelsFirst.
   * @defaultValue 'channelsLast'
   */
  dataFormat?: DataFormat;
  /**
   * `'oneHot'` gives `ys` as float32 `[n, 10]` (for categorical cross-entropy, as in the tutorial);
   * `'index'` gives int32 `[n]` class indices.
   * @defaultValue 'oneHot'
   */
  labels?: 'oneHot' | 'index';
  /**
   * Take only part of the split before anything is converted to floats; see {@link SplitSubset}.
   * @defaultValue undefined: the whole split
   */
  subset?: SplitSubset;
}

/** Training tensors made by {@link splitToTensors}. The caller owns them and must dispose of them. */
export interface SplitTensors {
  /** float32 images scaled to [0, 1]. */
  xs: tf.Tensor4D;
  /** One-hot float32 `[n, 10]` or int32 `[n]` labels. */
  ys: tf.Tensor2D | tf.Tensor1D;
}

const CLASSES = 10;

/**
 * The listed images of a split, scaled to [0, 1] as one float32 tensor: `[n, h, w, 1]`, or
 * `[n, 1, h, w]` for channelsFirst (the same bytes with one channel).
 */
export function imagesToTensor(split: FashionMnistSplit, indices: ArrayLike<number>, dataFormat: DataFormat = 'channelsLast'): tf.Tensor4D {
  const pixels = split.height * split.width;
  const data = new Float32Array(indices.length * pixels);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i]! * pixels;
    for (let p = 0; p < pixels; p++) data[i * pixels + p] = split.images[source + p]! / 255;
  }
  const shape: [number, number, number, number] = dataFormat === 'channelsLast' ? [indices.length, split.height, split.width, 1] : [indices.length, 1, split.height, split.width];
  return tf.tensor4d(data, shape);
}

/**
 * Picks part of a split, copying only the chosen images: a number keeps the first n, `{ count, seed }`
 * a reproducible random sample. The result is a plain split, like the input.
 *
 * @param split - A split from {@link loadFashionMnist}.
 * @param subset - How many images, and whether to sample them; see {@link SplitSubset}.
 * @param argument - The argument name used in error messages.
 * @returns A new split holding only the chosen images and labels.
 * @throws {@link InvalidArgumentError} when the count is not an integer from 1 to `split.count`.
 *
 * @example
 * ```ts
 * import { loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist';
 *
 * const { test } = await loadFashionMnist();
 * const sample = subsetSplit(test, { count: 16, seed: 42 });
 * console.log(sample.count); // 16
 * ```
 */
export function subsetSplit(split: FashionMnistSplit, subset: SplitSubset, argument = 'subset'): FashionMnistSplit {
  const count = typeof subset === 'number' ? subset : subset?.count;
  const countArgument = typeof subset === 'number' ? argument : `${argument}.count`;
  assertInteger(countArgument, count);
  if (count > split.count) {
    throw new InvalidArgumentError(countArgument, `at most the split's ${split.count} images`, count);
  }
  const pixelsPerImage = split.height * split.width;
  if (typeof subset === 'number') {
    return { ...split, count, images: split.images.slice(0, count * pixelsPerImage), labels: split.labels.slice(0, count) };
  }
  assertInteger(`${argument}.seed`, subset.seed, 0);
  const chosen = shuffledIndices(split.count, subset.seed).subarray(0, count);
  const images = new Uint8Array(count * pixelsPerImage);
  const labels = new Uint8Array(count);
  chosen.forEach((source, target) => {
    images.set(split.images.subarray(source * pixelsPerImage, (source + 1) * pixelsPerImage), target * pixelsPerImage);
    labels[target] = split.labels[source]!;
  });
  return { ...split, count, images, labels };
}

/**
 * Turns a split into training tensors, as the tutorial prepares them: pixels scaled to [0, 1] as
 * float32 with a channel axis, labels one-hot encoded.
 *
 * @param split - A split from {@link loadFashionMnist} (or {@link subsetSplit}).
 * @param options - Data format, label encoding and subset; see {@link SplitToTensorsOptions}.
 * @returns `{ xs, ys }`, owned by the caller.
 * @throws {@link InvalidArgumentError} for an unknown data format or label encoding, or a bad subset.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { loadFashionMnist, splitToTensors } from 'tfjs-fashion-mnist';
 *
 * const { train } = await loadFashionMnist();
 * const { xs, ys } = splitToTensors(train, { subset: 1000 });
 * console.log(xs.shape, ys.shape); // [1000, 28, 28, 1] [1000, 10]
 * ```
 */
export function splitToTensors(split: FashionMnistSplit, options: SplitToTensorsOptions = {}): SplitTensors {
  const dataFormat = options.dataFormat ?? 'channelsLast';
  const labels = options.labels ?? 'oneHot';
  assertOneOf('options.dataFormat', dataFormat, DATA_FORMATS);
  assertOneOf('options.labels', labels, ['oneHot', 'index'] as const);
  const part = options.subset === undefined ? split : subsetSplit(split, options.subset, 'options.subset');
  const xs = imagesToTensor(part, Uint32Array.from({ length: part.count }, (_, i) => i), dataFormat);
  const ys = tf.tidy(() => {
    const indices = tf.tensor1d(Int32Array.from(part.labels), 'int32');
    return labels === 'oneHot' ? tf.cast(tf.oneHot(indices, CLASSES), 'float32') as tf.Tensor2D : indices;
  });
  return { xs, ys };
}
