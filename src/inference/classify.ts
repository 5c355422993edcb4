import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { FASHION_MNIST_LABELS } from '../datasets/files.js';
import { grayToPixels, luma, resolvePixelOptions, type GrayPicture } from '../datasets/preprocess.js';
import { modelImageSpec, type ModelImageSpec } from '../datasets/tensors.js';
import { InvalidArgumentError } from '../errors.js';
import { EVALUATION_BATCH_SIZE, predictProbabilities, type EvaluateOptions } from '../training/evaluate.js';
import { assertBoolean, assertInteger, assertTensor, invalid, isTensor, type OptionNames, resolveOptions } from '../validate.js';

/**
 * Decoded pixels with their size: RGB bytes (an {@link RgbImage}), RGBA bytes (a browser `ImageData`),
 * or one grey byte per pixel, told apart by the length of `data`.
 */
export interface PixelImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height` times 3 (RGB), 4 (RGBA) or 1 (gray) bytes, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

/** A canvas whose pixels can be read back: an `HTMLCanvasElement` or `OffscreenCanvas` with a 2D context. */
export interface CanvasLike {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The canvas' 2D context, or null when it has another kind (e.g. WebGL). */
  getContext(contextId: '2d'): {
    /** The pixels of a rectangle of the canvas, as RGBA bytes. */
    getImageData(sx: number, sy: number, sw: number, sh: number): PixelImage;
  } | null;
}

/**
 * One image for {@link classifyImages}: decoded pixels ({@link RgbImage}, `ImageData`, gray bytes), a
 * canvas, a 28x28 grayscale array (784 bytes, like one image of a split), or a tensor of shape
 * `[height, width]`, `[height, width, channels]` or a batch `[n, height, width, channels]` (channels
 * 1, 3 or 4; values 0-255, or 0-1 for float tensors whose values all lie in [0, 1]).
 */
export type ClassifiableImage = PixelImage | CanvasLike | Uint8Array | Uint8ClampedArray | tf.Tensor;

/** Options of {@link classifyImages}. Every field is optional. */
export interface ClassifyOptions {
  /**
   * The name of each class, index = class.
   * @defaultValue {@link FASHION_MNIST_LABELS} for a 10-class model, else the class indices ("0", "1", …)
   */
  labels?: readonly string[];
  /**
   * Invert the grey levels, so a garment on a light background becomes light on dark as in
   * Fashion-MNIST. `'auto'` inverts images whose border is mostly light (no Fashion-MNIST image is).
   * @defaultValue 'auto'
   */
  invert?: boolean | 'auto';
  /**
   * Images per forward pass.
   * @defaultValue 128
   */
  batchSize?: number;
  /**
   * Flip test-time augmentation, as in {@link EvaluateOptions.testTimeFlip}: the probabilities are
   * the mean of the picture's and its mirror image's.
   * @defaultValue false
   */
  testTimeFlip?: boolean;
}

/** The defaults of {@link ClassifyOptions} that are plain values. */
export const CLASSIFY_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Invert images with a light border. */
  invert: 'auto' as boolean | 'auto',
  /** As {@link evaluateModel}. */
  batchSize: EVALUATION_BATCH_SIZE,
  /** No test-time augmentation. */
  testTimeFlip: false,
});

/** A class and its probability. */
export interface ClassScore {
  /** The class index, as in the labels of a split. */
  classIndex: number;
  /** The class name. */
  label: string;
  /** The model's probability for the class. */
  probability: number;
}

/** What {@link classifyImages} says about one image: the most probable class, and every class's probability. */
export interface Classification extends ClassScore {
  /** The probability of every class, index = class. */
  probabilities: number[];
  /** Every class, most probable first: `ranked.slice(0, 3)` is the top three. */
  ranked: ClassScore[];
}

const IMAGE =
  'an image: an RgbImage or ImageData { width, height, data }, a canvas, a 28x28 grayscale Uint8Array, or a tensor of shape [height, width], [height, width, channels] or [n, height, width, channels]';

/** Side of a Fashion-MNIST image, and the size used for models that take any size. */
const SIDE = 28;

/**
 * Classifies images with a trained model, from code, in the browser or in Node. Each image goes
 * through the tutorial's preprocessing, as {@link toFashionMnistPixels} does for a photo: grayscale
 * (ITU-R 601 luma; transparent pixels are composited over white), resized to the model's input
 * (bilinear), inverted when its background is light, rounded to bytes, then scaled to [0, 1] and laid
 * out (channelsLast or channelsFirst, the grey level in each channel) exactly as {@link trainFashionMnist}
 * feeds the training images. The model's input size, layout and class count are read from the model;
 * a model that takes any size gets 28x28.
 *
 * Tensors passed in are not disposed of; nothing else is left allocated, also when an error is thrown.
 *
 * @param model - A trained model, e.g. from {@link trainFashionMnist} or `loadModel`.
 * @param images - One image or several; see {@link ClassifiableImage}. A 4-D tensor counts as its `n` images.
 * @param options - Class names, inversion and batch size; see {@link ClassifyOptions}.
 * @returns One {@link Classification} per image, in order.
 * @throws {@link InvalidArgumentError} for an image that is none of the accepted kinds, malformed
 *   or empty, a canvas without a 2D context, a tensor with values outside 0-255, a model that does
 *   not take a batch of images or output one probability per class, labels whose count is not the
 *   model's, or a bad option.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { classifyImages } from 'tfjs-fashion-mnist';
 * import { decodeImage, loadModel } from 'tfjs-fashion-mnist/node';
 * import { readFileSync } from 'node:fs';
 *
 * const model = await loadModel('output/model');
 * const [shoe] = await classifyImages(model, decodeImage(readFileSync('shoe.jpg')));
 * console.log(shoe!.label, shoe!.probability, shoe!.ranked.slice(0, 3));
 * ```
 */
export function classifyImages(model: LayersModel, images: ClassifiableImage | readonly ClassifiableImage[], options: ClassifyOptions = {}): Promise<Classification[]> {
  return classify(model, images, options, 'images');
}

async function classify(model: LayersModel, images: ClassifiableImage | readonly ClassifiableImage[], options: ClassifyOptions, argument: string): Promise<Classification[]> {
  const settings = resolveClassifyOptions(options);
  const spec = modelImageSpec(model);
  const labels = labelsFor(spec.classes, settings.labels);
  const height = spec.height ?? SIDE;
  const width = spec.width ?? SIDE;
  const pictures = await readImages(images, argument, spec);
  const pixelOptions = resolvePixelOptions('options', { invert: settings.invert, width, height });
  const pixels = new Uint8Array(pictures.length * height * width);
  pictures.forEach((picture, i) => pixels.set(grayToPixels(picture, pixelOptions), i * height * width));
  const split = { images: pixels, labels: new Uint8Array(pictures.length), count: pictures.length, height, width };
  const probabilities = await predictProbabilities(model, split, { height, width, channels: spec.channels, dataFormat: spec.dataFormat }, spec.classes, settings.batchSize, settings.testTimeFlip);
  return pictures.map((_, i) => classification(probabilities.subarray(i * spec.classes, (i + 1) * spec.classes), labels));
}

/**
 * Classifies one image: {@link classifyImages} for a single image, returning its {@link Classification}.
 *
 * @param model - A trained model.
 * @param image - One image; see {@link ClassifiableImage} (a 4-D tensor must hold exactly one).
 * @param options - Class names, inversion and batch size; see {@link ClassifyOptions}.
 * @returns The image's classification.
 * @throws {@link InvalidArgumentError} as {@link classifyImages}, and for an array or a batch of several images.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, classifyImage } from 'tfjs-fashion-mnist';
 *
 * const { label, probability } = await classifyImage(buildMiniVGGNet(), new Uint8Array(784));
 * console.log(label, probability);
 * ```
 */
export async function classifyImage(model: LayersModel, image: ClassifiableImage, options: ClassifyOptions = {}): Promise<Classification> {
  if (Array.isArray(image) || (isTensor(image) && image.rank === 4 && image.shape[0] !== 1)) {
    throw invalid('image', image, 'a single image (classifyImages takes several)');
  }
  const [result] = await classify(model, image, options, 'image');
  return result!;
}

const CLASSIFY_OPTIONS: OptionNames<ClassifyOptions> = { labels: true, invert: true, batchSize: true, testTimeFlip: true };

function resolveClassifyOptions(options: ClassifyOptions) {
  const settings = resolveOptions('options', options, CLASSIFY_DEFAULTS, CLASSIFY_OPTIONS);
  assertInteger('options.batchSize', settings.batchSize);
  assertBoolean('options.testTimeFlip', settings.testTimeFlip);
  return settings;
}

function labelsFor(classes: number, labels: readonly string[] | undefined): readonly string[] {
  if (labels === undefined) return classes === FASHION_MNIST_LABELS.length ? FASHION_MNIST_LABELS : Array.from({ length: classes }, (_, i) => String(i));
  if (!Array.isArray(labels) || labels.length !== classes || !labels.every((label) => typeof label === 'string')) {
    throw invalid('options.labels', labels, `${classes} class names (strings), one per output of the model`);
  }
  return labels;
}

function classification(row: Float32Array, labels: readonly string[]): Classification {
  const probabilities = Array.from(row);
  const ranked = probabilities
    .map((probability, classIndex) => ({ classIndex, label: labels[classIndex]!, probability }))
    .sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex);
  return { ...ranked[0]!, probabilities, ranked };
}

async function readImages(images: ClassifiableImage | readonly ClassifiableImage[], argument: string, spec: ModelImageSpec): Promise<GrayPicture[]> {
  const list = Array.isArray(images) ? (images as readonly ClassifiableImage[]) : [images as ClassifiableImage];
  const pictures: GrayPicture[] = [];
  for (const [i, image] of list.entries()) pictures.push(...(await readImage(image, Array.isArray(images) ? `${argument}[${i}]` : argument, spec)));
  if (pictures.length === 0) throw invalid(argument, images, 'at least one image');
  return pictures;
}

/** One input as grayscale pictures (several for a 4-D tensor), grey levels 0-255. */
async function readImage(image: ClassifiableImage, argument: string, spec: ModelImageSpec): Promise<GrayPicture[]> {
  if (typeof image !== 'object' || image === null) throw invalid(argument, image, IMAGE);
  if (isTensor(image)) return readTensor(image, argument);
  if (isCanvas(image)) return [readPixels(readCanvas(image, argument), argument)];
  if (image instanceof Uint8Array || image instanceof Uint8ClampedArray) return [readGrayArray(image, argument, spec)];
  return [readPixels(image, argument)];
}

function isCanvas(value: object): value is CanvasLike {
  return typeof (value as Partial<CanvasLike>).getContext === 'function';
}

function readCanvas(canvas: CanvasLike, argument: string): PixelImage {
  const { width, height } = canvas;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw invalid(`${argument}.width`, width, 'a canvas at least 1 pixel wide and high');
  }
  const context = canvas.getContext('2d');
  if (!context) throw invalid(argument, canvas, 'a canvas with a 2D context (this one has another kind, e.g. WebGL; draw it onto a 2D canvas first)');
  return context.getImageData(0, 0, width, height);
}

function readGrayArray(data: Uint8Array | Uint8ClampedArray, argument: string, spec: ModelImageSpec): GrayPicture {
  const sides: Array<[number, number]> = [[SIDE, SIDE]];
  if (spec.height !== null && spec.width !== null && spec.height * spec.width !== SIDE * SIDE) sides.push([spec.height, spec.width]);
  const match = sides.find(([h, w]) => h * w === data.length);
  if (!match) {
    const sizes = sides.map(([h, w]) => `${h}x${w} = ${h * w}`).join(' or ');
    throw invalid(argument, data, `a grayscale image of ${sizes} bytes (give other sizes as { width, height, data })`);
  }
  return { height: match[0], width: match[1], gray: Float32Array.from(data) };
}

function readPixels(image: PixelImage, argument: string): GrayPicture {
  const { width, height, data } = image as Partial<PixelImage>;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width! < 1 || height! < 1 || !(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw invalid(argument, image, IMAGE);
  }
  const channels = data.length / (width! * height!);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw invalid(`${argument}.data`, data, `width * height = ${width! * height!} pixels of 1 (gray), 3 (RGB) or 4 (RGBA) bytes`);
  }
  return { width: width!, height: height!, gray: toGray(data, width! * height!, channels, 1) };
}

async function readTensor(tensor: tf.Tensor, argument: string): Promise<GrayPicture[]> {
  assertTensor(argument, tensor);
  const shape = tensor.rank === 2 ? [1, ...tensor.shape, 1] : tensor.rank === 3 ? [1, ...tensor.shape] : tensor.rank === 4 ? [...tensor.shape] : undefined;
  const [count = 0, height = 0, width = 0, channels = 0] = shape ?? [];
  if (!shape || height < 1 || width < 1 || ![1, 3, 4].includes(channels)) throw invalid(argument, tensor, IMAGE);
  assertTensor(argument, tensor, { dtypes: ['float32', 'int32'] });
  const values = await tensor.data();
  const { min, max } = range(values as Float32Array | Int32Array);
  if (!(min >= 0 && max <= 255)) {
    throw invalid(argument, tensor, `a tensor of grey levels from 0 to 255 (or 0 to 1), not from ${min} to ${max}`);
  }
  // Float images in [0, 1] (as tf.image ops and the training tensors produce) are scaled back to 0-255.
  const scale = tensor.dtype === 'float32' && max <= 1 ? 255 : 1;
  const pixels = height * width;
  return Array.from({ length: count }, (_, i) => ({
    width,
    height,
    gray: toGray(values.subarray(i * pixels * channels, (i + 1) * pixels * channels) as ArrayLike<number>, pixels, channels, scale),
  }));
}

function range(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    // NaN fails both comparisons; it is reported as the range NaN.
    if (Number.isNaN(value)) return { min: NaN, max: NaN };
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

/**
 * Grey levels 0-255 from interleaved pixels: gray as is, RGB by luma, RGBA composited over white
 * first (a transparent background shows as white, as a browser shows it).
 */
function toGray(data: ArrayLike<number>, pixels: number, channels: number, scale: number): Float32Array {
  const gray = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const at = p * channels;
    if (channels === 1) {
      gray[p] = data[at]! * scale;
      continue;
    }
    const level = luma(data[at]! * scale, data[at + 1]! * scale, data[at + 2]! * scale);
    const alpha = channels === 4 ? (data[at + 3]! * scale) / 255 : 1;
    gray[p] = level * alpha + 255 * (1 - alpha);
  }
  return gray;
}
