import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { assertInteger, assertOneOf, type OptionNames, resolveOptions } from '../validate.js';
import { assertRgbImage, type RgbImage } from '../viz/image.js';

/** Options of {@link toFashionMnistPixels}. Every field is optional. */
export interface ToFashionMnistPixelsOptions {
  /**
   * Invert the grey levels. Fashion-MNIST garments are light on a black background; a photo of a
   * garment on a light background must be inverted. `'auto'` inverts when the image's border is
   * mostly light.
   * @defaultValue 'auto'
   */
  invert?: boolean | 'auto';
  /**
   * Width of the result in pixels, for models with another input size.
   * @defaultValue 28
   */
  width?: number;
  /**
   * Height of the result in pixels.
   * @defaultValue 28
   */
  height?: number;
}

/** The defaults of {@link ToFashionMnistPixelsOptions}: Fashion-MNIST's 28x28, inverted when the background is light. */
export const TO_FASHION_MNIST_PIXELS_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Invert when the border is mostly light. */
  invert: 'auto' as boolean | 'auto',
  /** Fashion-MNIST's width. */
  width: 28,
  /** Fashion-MNIST's height. */
  height: 28,
});

const PIXEL_OPTIONS: OptionNames<ToFashionMnistPixelsOptions> = { invert: true, width: true, height: true };

/**
 * Turns a picture into a 28x28 Fashion-MNIST image, the preprocessing the tutorial describes for
 * your own photos: grayscale (ITU-R 601 luma), resized to 28x28 (bilinear), and inverted when the
 * background is light so the garment is light on dark. `width` and `height` choose another size, for
 * models with other inputs. {@link classifyImages} applies the same steps to any image it is given.
 *
 * @param image - An RGB picture, e.g. from `readImage` or `decodeImage` of `tfjs-fashion-mnist/node`.
 * @param options - Whether to invert, and the size; see {@link ToFashionMnistPixelsOptions}.
 * @returns `height * width` grey levels 0-255 (784 by default), row-major, like one image of a split.
 * @throws {@link InvalidArgumentError} for a malformed image or a bad size.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { decodeImage, toFashionMnistPixels } from 'tfjs-fashion-mnist/node';
 * import { readFileSync } from 'node:fs';
 *
 * const pixels = toFashionMnistPixels(decodeImage(readFileSync('shoe.png')));
 * ```
 */
export function toFashionMnistPixels(image: RgbImage, options: ToFashionMnistPixelsOptions = {}): Uint8Array {
  assertRgbImage('image', image);
  const { width, height, data } = image;
  const gray = new Float32Array(width * height);
  for (let p = 0; p < gray.length; p++) gray[p] = luma(data[p * 3]!, data[p * 3 + 1]!, data[p * 3 + 2]!);
  return grayToPixels({ width, height, gray }, resolvePixelOptions('options', options));
}

/** ITU-R 601 luma, the grey level of an RGB colour. */
export function luma(red: number, green: number, blue: number): number {
  return 0.299 * red + 0.587 * green + 0.114 * blue;
}

/** A grayscale picture as floats 0-255, row-major. */
export interface GrayPicture {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height` grey levels 0-255. */
  gray: Float32Array;
}

/** {@link ToFashionMnistPixelsOptions} with the defaults applied and checked. */
export function resolvePixelOptions(argument: string, options: ToFashionMnistPixelsOptions): Required<ToFashionMnistPixelsOptions> {
  const resolved = resolveOptions(argument, options, TO_FASHION_MNIST_PIXELS_DEFAULTS, PIXEL_OPTIONS);
  assertInteger(`${argument}.width`, resolved.width);
  assertInteger(`${argument}.height`, resolved.height);
  assertOneOf(`${argument}.invert`, resolved.invert, [true, false, 'auto']);
  return resolved;
}

/**
 * The shared second half of the preprocessing: resize (bilinear, half-pixel centres), invert if asked
 * or if the border is mostly light, round to bytes.
 */
export function grayToPixels(picture: GrayPicture, options: Required<ToFashionMnistPixelsOptions>): Uint8Array {
  const { width, height, gray } = picture;
  const shouldInvert = options.invert === 'auto' ? borderMean(gray, width, height) > 127.5 : options.invert;
  return tf.tidy(() => {
    const source = tf.tensor3d(gray, [height, width, 1]);
    const resized = width === options.width && height === options.height ? source : tf.image.resizeBilinear(source, [options.height, options.width], false, true);
    const oriented = shouldInvert ? tf.sub(255, resized) : resized;
    return Uint8Array.from(tf.clipByValue(tf.round(oriented), 0, 255).dataSync());
  });
}

function borderMean(gray: Float32Array, width: number, height: number): number {
  let sum = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    sum += gray[x]! + gray[(height - 1) * width + x]!;
    count += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    sum += gray[y * width]! + gray[y * width + width - 1]!;
    count += 2;
  }
  return sum / count;
}
