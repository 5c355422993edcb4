import * as tf from '@tensorflow/tfjs-core';
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
}

/**
 * Turns a picture into a 28x28 Fashion-MNIST image, the preprocessing the tutorial describes for
 * your own photos: grayscale (ITU-R 601 luma), resized to 28x28 (bilinear), and inverted when the
 * background is light so the garment is light on dark.
 *
 * @param image - An RGB picture, e.g. from {@link decodePng}.
 * @param options - Whether to invert; see {@link ToFashionMnistPixelsOptions}.
 * @returns 784 grey levels 0-255, row-major, like one image of a split.
 * @throws {@link InvalidArgumentError} for a malformed image.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { decodePng, toFashionMnistPixels } from 'tfjs-fashion-mnist';
 * import { readFileSync } from 'node:fs';
 *
 * const pixels = toFashionMnistPixels(decodePng(readFileSync('shoe.png')));
 * ```
 */
export function toFashionMnistPixels(image: RgbImage, options: ToFashionMnistPixelsOptions = {}): Uint8Array {
  assertRgbImage(image, 'image');
  const { width, height, data } = image;
  const gray = new Float32Array(width * height);
  for (let p = 0; p < gray.length; p++) gray[p] = 0.299 * data[p * 3]! + 0.587 * data[p * 3 + 1]! + 0.114 * data[p * 3 + 2]!;
  const invert = options.invert ?? 'auto';
  const shouldInvert = invert === 'auto' ? borderMean(gray, width, height) > 127.5 : invert;
  return tf.tidy(() => {
    const resized = tf.image.resizeBilinear(tf.tensor3d(gray, [height, width, 1]), [28, 28], false, true);
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
