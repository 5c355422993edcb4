// PNG encoding (fast-png). Reached only from the Node entry, so browser bundles carry no image codec;
// in a browser, draw on a canvas (canvas.ts) and let the canvas encode.
import { encode } from 'fast-png';
import { InvalidArgumentError } from '../errors.js';
import { assertRgbImage, type RgbImage } from './image.js';

/**
 * Encodes an RGB image as PNG bytes (pure JavaScript, works in Node and the browser).
 *
 * @param image - The image, e.g. a montage from {@link buildMontage}.
 * @returns The PNG file's bytes.
 * @throws {@link InvalidArgumentError} when the image's data does not match its size.
 *
 * @example
 * ```ts
 * import { encodePng } from 'tfjs-fashion-mnist/node';
 *
 * const png = encodePng({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) });
 * console.log(png.length > 0); // true
 * ```
 */
export function encodePng(image: RgbImage): Uint8Array {
  assertRgbImage('image', image);
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 });
}
