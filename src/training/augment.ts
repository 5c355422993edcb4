import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { InvalidArgumentError } from '../errors.js';
import { seededRandom } from '../random.js';
import { assertBoolean, assertInteger, assertNumber, assertObject, assertSplit, invalid, type OptionNames, resolveOptions } from '../validate.js';

/**
 * Options of random erasing (Zhong et al., 2020, as torchvision's `RandomErasing`): with some
 * probability, a rectangle of random area and aspect ratio is filled with one grey level. Every field
 * is optional; the defaults are torchvision's.
 */
export interface RandomErasingOptions {
  /**
   * Chance that an image gets a rectangle erased, from 0 to 1.
   * @defaultValue 0.5
   */
  probability?: number;
  /**
   * Smallest area of the rectangle, as a fraction of the image's area (above 0, at most `maxArea`).
   * @defaultValue 0.02
   */
  minArea?: number;
  /**
   * Largest area of the rectangle, as a fraction of the image's area (at most 1).
   * @defaultValue 0.33
   */
  maxArea?: number;
  /**
   * Smallest width / height ratio of the rectangle (above 0, at most `maxAspectRatio`); ratios are drawn uniformly on a log scale.
   * @defaultValue 0.3
   */
  minAspectRatio?: number;
  /**
   * Largest width / height ratio of the rectangle.
   * @defaultValue 1 / 0.3
   */
  maxAspectRatio?: number;
  /**
   * The grey level (0-255) the rectangle is filled with; 0 is Fashion-MNIST's background.
   * @defaultValue 0
   */
  value?: number;
}

/**
 * Label-preserving augmentation of training images, applied to the uint8 pixels of each batch before
 * they are scaled (see {@link TrainOptions.augment} and {@link augmentSplit}). In this order: a
 * horizontal flip, a translation with zero padding, then random erasing. Every field is optional and
 * off by default, as the tutorial has no augmentation.
 */
export interface AugmentOptions {
  /**
   * Largest shift in pixels, along each axis independently (a whole number drawn uniformly from
   * `-translate` to `translate`); pixels shifted in are 0, the background. The same as zero-padding
   * by `translate` and cropping the original size at a random place. Must be below the images' sides.
   * @defaultValue 0 (no translation)
   */
  translate?: number;
  /**
   * Mirror each image left to right with probability 0.5 (clothes are left-right symmetric, so the
   * label holds).
   * @defaultValue false
   */
  flip?: boolean;
  /**
   * Random erasing: `true` for torchvision's defaults (see {@link RandomErasingOptions}), or options
   * of its own.
   * @defaultValue false
   */
  erase?: boolean | RandomErasingOptions;
}

/** The defaults of {@link AugmentOptions}: no augmentation, as in the tutorial. */
export const AUGMENT_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** No translation. */
  translate: 0,
  /** No flip. */
  flip: false,
  /** No erasing. */
  erase: false,
});

/** The defaults of {@link RandomErasingOptions}: torchvision's `RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)`. */
export const RANDOM_ERASING_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Half the images. */
  probability: 0.5,
  /** 2% of the image at least. */
  minArea: 0.02,
  /** A third of the image at most. */
  maxArea: 0.33,
  /** Up to 3.3 times as tall as wide. */
  minAspectRatio: 0.3,
  /** Up to 3.3 times as wide as tall. */
  maxAspectRatio: 1 / 0.3,
  /** The background's grey level. */
  value: 0,
});

/** Augmentation settings after validation; `erase` is undefined when off. */
export interface AugmentSettings {
  translate: number;
  flip: boolean;
  erase: Required<RandomErasingOptions> | undefined;
}

// A misspelt option would silently turn augmentation off, so unknown keys are refused.
const AUGMENT_OPTIONS: OptionNames<AugmentOptions> = { translate: true, flip: true, erase: true };
const ERASE_OPTIONS: OptionNames<RandomErasingOptions> = { probability: true, minArea: true, maxArea: true, minAspectRatio: true, maxAspectRatio: true, value: true };

/**
 * Validates augmentation options and applies the defaults; undefined when they change no image, so
 * that training without augmentation runs exactly the code it always ran.
 */
export function resolveAugment(argument: string, options: AugmentOptions | undefined): AugmentSettings | undefined {
  if (options === undefined) return undefined;
  const { translate, flip, erase } = resolveOptions(argument, options, AUGMENT_DEFAULTS, AUGMENT_OPTIONS);
  assertInteger(`${argument}.translate`, translate, 0);
  assertBoolean(`${argument}.flip`, flip);
  const settings: AugmentSettings = { translate, flip, erase: resolveErase(`${argument}.erase`, erase) };
  return settings.translate === 0 && !settings.flip && settings.erase === undefined ? undefined : settings;
}

function resolveErase(argument: string, erase: boolean | RandomErasingOptions): Required<RandomErasingOptions> | undefined {
  if (erase === false) return undefined;
  if (erase === true) return { ...RANDOM_ERASING_DEFAULTS };
  assertObject(argument, erase, 'true, false or an object of random erasing options');
  const settings = resolveOptions(argument, erase, RANDOM_ERASING_DEFAULTS, ERASE_OPTIONS);
  assertNumber(`${argument}.probability`, settings.probability, { min: 0, max: 1 });
  assertNumber(`${argument}.minArea`, settings.minArea, { above: 0, max: 1 });
  assertNumber(`${argument}.maxArea`, settings.maxArea, { above: 0, max: 1 });
  if (settings.minArea > settings.maxArea) throw invalid(`${argument}.minArea`, settings.minArea, `at most maxArea (${settings.maxArea})`);
  assertNumber(`${argument}.minAspectRatio`, settings.minAspectRatio, { above: 0 });
  assertNumber(`${argument}.maxAspectRatio`, settings.maxAspectRatio, { above: 0 });
  if (settings.minAspectRatio > settings.maxAspectRatio) {
    throw invalid(`${argument}.minAspectRatio`, settings.minAspectRatio, `at most maxAspectRatio (${settings.maxAspectRatio})`);
  }
  assertInteger(`${argument}.value`, settings.value, { min: 0, max: 255 });
  return settings.probability === 0 ? undefined : settings;
}

/** Throws unless a translation leaves part of every image in view. */
export function assertAugmentFits(argument: string, settings: AugmentSettings, height: number, width: number): void {
  const side = Math.min(height, width);
  if (settings.translate >= side) {
    throw invalid(`${argument}.translate`, settings.translate, `below the images' smallest side (${side} pixels), or every image could be shifted out of view`);
  }
}

/**
 * The seed of one training batch's transforms, mixed from the run's seed, the epoch and the step, so
 * that a resumed run transforms every batch as an uninterrupted one does. Salted, so the stream
 * differs from the shuffle's (seeded with seed + epoch).
 */
export function batchSeed(seed: number, epoch: number, step: number): number {
  let hash = 0x41756731;
  for (const value of [seed, epoch, step]) {
    hash = Math.imul(hash ^ value, 0x9e3779b1);
    hash ^= hash >>> 15;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
  }
  return hash >>> 0;
}

/**
 * Gathers the listed images of a split into a new batch split and augments it in place. The random
 * draws are made image after image, so a batch's transforms depend only on `seed` and its size.
 */
export function augmentBatch(split: FashionMnistSplit, indices: ArrayLike<number>, settings: AugmentSettings, seed: number): FashionMnistSplit {
  const pixels = split.height * split.width;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  const random = seededRandom(seed);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i]!;
    labels[i] = split.labels[source]!;
    transformImage(split.images, source * pixels, images, i * pixels, split.height, split.width, settings, random);
  }
  return { images, labels, count: indices.length, height: split.height, width: split.width };
}

/**
 * Flips and translates the image at `from` in `source` into the (zeroed) image at `to` in `target`,
 * then erases a rectangle of it. Plain index loops: views per row would cost more than the copying.
 */
function transformImage(source: Uint8Array, from: number, target: Uint8Array, to: number, height: number, width: number, settings: AugmentSettings, random: () => number): void {
  const flip = settings.flip && random() < 0.5;
  const t = settings.translate;
  const dx = t > 0 ? Math.floor(random() * (2 * t + 1)) - t : 0;
  const dy = t > 0 ? Math.floor(random() * (2 * t + 1)) - t : 0;
  // Target pixels whose source lies outside the image stay 0, the background.
  const firstColumn = Math.max(0, dx);
  const endColumn = Math.min(width, width + dx);
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    const sourceRow = from + (y - dy) * width;
    const targetRow = to + y * width;
    if (flip) {
      for (let x = firstColumn; x < endColumn; x++) target[targetRow + x] = source[sourceRow + width - 1 - (x - dx)]!;
    } else {
      for (let x = firstColumn; x < endColumn; x++) target[targetRow + x] = source[sourceRow + x - dx]!;
    }
  }
  if (settings.erase && random() < settings.erase.probability) erase(target, to, height, width, settings.erase, random);
}

/** torchvision's RandomErasing: up to ten tries at a rectangle that fits, else nothing is erased. */
function erase(image: Uint8Array, offset: number, height: number, width: number, options: Required<RandomErasingOptions>, random: () => number): void {
  const area = height * width;
  const logMin = Math.log(options.minAspectRatio);
  const logMax = Math.log(options.maxAspectRatio);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (options.minArea + random() * (options.maxArea - options.minArea));
    const ratio = Math.exp(logMin + random() * (logMax - logMin));
    const h = Math.round(Math.sqrt(target / ratio));
    const w = Math.round(Math.sqrt(target * ratio));
    if (h < 1 || w < 1 || h > height || w > width) continue;
    const top = Math.floor(random() * (height - h + 1));
    const left = Math.floor(random() * (width - w + 1));
    for (let y = top; y < top + h; y++) image.fill(options.value, offset + y * width + left, offset + y * width + left + w);
    return;
  }
}

/**
 * Augmented copies of a split's images, drawn from one seeded generator: to look at what
 * {@link TrainOptions.augment} does (e.g. with {@link buildMontage}), or to train with other tools.
 * Labels are copied unchanged. (Training draws a fresh generator per batch, seeded from the seed,
 * epoch and step, so it does not see these exact copies.)
 *
 * @param split - A split from {@link loadFashionMnist} (or {@link subsetSplit}), of any image size.
 * @param options - Translation, flip and erasing; see {@link AugmentOptions}.
 * @param seed - Seed of the random transforms: the same seed gives the same images.
 * @returns A new split with the augmented images and the same labels.
 * @throws {@link InvalidArgumentError} for a malformed split, bad or unknown options, a translation
 *   not below the images' sides, or a seed that is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { augmentSplit, subsetSplit } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const { train } = await loadFashionMnist();
 * const shifted = augmentSplit(subsetSplit(train, 16), { translate: 2, flip: true, erase: { probability: 0.5 } }, 42);
 * console.log(shifted.count); // 16
 * ```
 */
export function augmentSplit(split: FashionMnistSplit, options: AugmentOptions, seed: number): FashionMnistSplit {
  assertSplit('split', split);
  assertInteger('seed', seed, 0);
  const settings = resolveAugment('options', options);
  if (settings === undefined) return { ...split, images: split.images.slice(), labels: split.labels.slice() };
  assertAugmentFits('options', settings, split.height, split.width);
  return augmentBatch(split, Uint32Array.from({ length: split.count }, (_, i) => i), settings, seed);
}
