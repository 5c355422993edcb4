import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { shuffledIndices } from '../random.js';
import { DATA_FORMATS, type DataFormat } from '../types.js';
import { assertInteger, assertOneOf, invalid, type OptionNames, resolveOptions } from '../validate.js';
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

const SPLIT_TO_TENSORS_DEFAULTS = /* @__PURE__ */ Object.freeze({ dataFormat: 'channelsLast' as DataFormat, labels: 'oneHot' as 'oneHot' | 'index' });
const SPLIT_TO_TENSORS_OPTIONS: OptionNames<SplitToTensorsOptions> = { dataFormat: true, labels: true, subset: true };

/** Training tensors made by {@link splitToTensors}. The caller owns them and must dispose of them. */
export interface SplitTensors {
  /** float32 images scaled to [0, 1]. */
  xs: tf.Tensor4D;
  /** One-hot float32 `[n, 10]` or int32 `[n]` labels. */
  ys: tf.Tensor2D | tf.Tensor1D;
}

const CLASSES = 10;

/** How a model takes its images, read from its input shape and data format. */
export interface ImageLayout {
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Channels: the grey level is copied into each. */
  channels: number;
  /** Where the channel axis is. */
  dataFormat: DataFormat;
}

/** What {@link modelImageSpec} reads from a model: its image layout (null sides take any size) and class count. */
export interface ModelImageSpec extends Omit<ImageLayout, 'height' | 'width'> {
  /** Input height, or null when the model takes any height. */
  height: number | null;
  /** Input width, or null when the model takes any width. */
  width: number | null;
  /** Units of the output: one probability per class. */
  classes: number;
}

const IMAGE_INPUT = '[null, height, width, channels] or [null, channels, height, width] (a batch of images)';

/**
 * Reads how a model takes images and how many classes it scores, so the library's loops fit any
 * model {@link buildMiniVGGNet} builds. The data format comes from the first layer that declares one
 * (convolutions, poolings); a model without such a layer is read as channelsFirst only when its
 * last input axis cannot be a channel axis (more than 4) but its first can.
 */
export function modelImageSpec(model: LayersModel, argument = 'model'): ModelImageSpec {
  if (typeof model !== 'object' || model === null || !Array.isArray(model.inputs) || !Array.isArray(model.outputs)) {
    throw invalid(argument, model, 'a tf.LayersModel');
  }
  if (model.inputs.length !== 1) throw invalid(`${argument}.inputs`, model.inputs.length, 'a single input');
  if (model.outputs.length !== 1) throw invalid(`${argument}.outputs`, model.outputs.length, 'a single output');
  const input = model.inputs[0]!.shape;
  const output = model.outputs[0]!.shape;
  if (input.length !== 4) throw invalid(`${argument}.inputs[0].shape`, input, IMAGE_INPUT);
  const classes = output[1];
  if (output.length !== 2 || typeof classes !== 'number' || classes < 1) {
    throw invalid(`${argument}.outputs[0].shape`, output, '[null, classes] (one probability per class)');
  }
  const dataFormat = declaredDataFormat(model.layers) ?? guessDataFormat(input);
  const [height = null, width = null, channels] = dataFormat === 'channelsLast' ? input.slice(1) : [input[2], input[3], input[1]];
  if (typeof channels !== 'number' || channels < 1) throw invalid(`${argument}.inputs[0].shape`, input, `${IMAGE_INPUT} with a known channel count`);
  return { height, width, channels, dataFormat, classes };
}

function declaredDataFormat(layers: readonly { getConfig(): unknown; layers?: unknown }[]): DataFormat | undefined {
  for (const layer of layers) {
    const format = (layer.getConfig() as { dataFormat?: unknown }).dataFormat;
    if (format === 'channelsLast' || format === 'channelsFirst') return format;
    // Nested models (a Sequential inside a functional model) declare it in their own layers.
    if (Array.isArray(layer.layers)) {
      const nested = declaredDataFormat(layer.layers as typeof layers);
      if (nested) return nested;
    }
  }
  return undefined;
}

function guessDataFormat(shape: readonly (number | null)[]): DataFormat {
  const last = shape[3];
  const first = shape[1];
  return typeof last === 'number' && last > 4 && typeof first === 'number' && first <= 4 ? 'channelsFirst' : 'channelsLast';
}

/** The layout a model wants for a split's images: its own sides, or the split's where the model takes any size. */
export function layoutFor(spec: ModelImageSpec, split: { height: number; width: number }): ImageLayout {
  return { height: spec.height ?? split.height, width: spec.width ?? split.width, channels: spec.channels, dataFormat: spec.dataFormat };
}

/**
 * Throws unless every label is a class the model has: one-hot encoding a label past the last class
 * would silently give a row of zeros.
 */
export function assertLabelsBelow(argument: string, split: FashionMnistSplit, classes: number): void {
  const index = split.labels.findIndex((label) => label >= classes);
  if (index !== -1) {
    throw invalid(`${argument}.labels[${index}]`, split.labels[index], `a class index below the model's ${classes} classes (0 to ${classes - 1})`);
  }
}

/**
 * The listed images of a split, scaled to [0, 1] as one float32 tensor in `layout` (by default the
 * split's own size, one channel, channelsLast). Images of another size are resized (bilinear, half-pixel
 * centres, as {@link toFashionMnistPixels}); with several channels the grey level is copied into each
 * (gray as RGB for 3).
 */
export function imagesToTensor(split: FashionMnistSplit, indices: ArrayLike<number>, layout: Partial<ImageLayout> = {}): tf.Tensor4D {
  const { height = split.height, width = split.width, channels = 1, dataFormat = 'channelsLast' } = layout;
  const pixels = split.height * split.width;
  const data = new Float32Array(indices.length * pixels);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i]! * pixels;
    for (let p = 0; p < pixels; p++) data[i * pixels + p] = split.images[source + p]! / 255;
  }
  const sameSize = height === split.height && width === split.width;
  if (sameSize && channels === 1) {
    // The tutorial's case (and channelsFirst with one channel): the same bytes, no resampling.
    return tf.tensor4d(data, dataFormat === 'channelsLast' ? [indices.length, height, width, 1] : [indices.length, 1, height, width]);
  }
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(data, [indices.length, split.height, split.width, 1]);
    if (!sameSize) x = tf.image.resizeBilinear(x, [height, width], false, true);
    if (channels > 1) x = tf.tile(x, [1, 1, 1, channels]);
    return dataFormat === 'channelsLast' ? x : tf.transpose(x, [0, 3, 1, 2]);
  });
}

/** One-hot float32 labels `[n, classes]` for the listed images of a split. */
export function labelsToTensor(split: FashionMnistSplit, indices: ArrayLike<number>, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(indices, (i) => split.labels[i]!), 'int32'), classes), 'float32') as tf.Tensor2D);
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
 * import { loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist/node';
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
    throw invalid(countArgument, count, `at most the split's ${split.count} images`);
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
 * import { loadFashionMnist, splitToTensors } from 'tfjs-fashion-mnist/node';
 *
 * const { train } = await loadFashionMnist();
 * const { xs, ys } = splitToTensors(train, { subset: 1000 });
 * console.log(xs.shape, ys.shape); // [1000, 28, 28, 1] [1000, 10]
 * ```
 */
export function splitToTensors(split: FashionMnistSplit, options: SplitToTensorsOptions = {}): SplitTensors {
  const { dataFormat, labels, subset } = resolveOptions('options', options, SPLIT_TO_TENSORS_DEFAULTS, SPLIT_TO_TENSORS_OPTIONS);
  assertOneOf('options.dataFormat', dataFormat, DATA_FORMATS);
  assertOneOf('options.labels', labels, ['oneHot', 'index'] as const);
  const part = subset === undefined ? split : subsetSplit(split, subset, 'options.subset');
  const xs = imagesToTensor(part, Uint32Array.from({ length: part.count }, (_, i) => i), { dataFormat });
  const ys = tf.tidy(() => {
    const indices = tf.tensor1d(Int32Array.from(part.labels), 'int32');
    return labels === 'oneHot' ? tf.cast(tf.oneHot(indices, CLASSES), 'float32') as tf.Tensor2D : indices;
  });
  return { xs, ys };
}
