import { InvalidArgumentError } from '../errors.js';
import { assertRgbImage, type RgbImage } from './image.js';
import { invalid } from '../validate.js';

/**
 * Draws an RGB image on a canvas (browser), resizing the canvas to the image.
 *
 * @param image - The image, e.g. a montage from {@link buildMontage}.
 * @param canvas - The canvas to draw on.
 * @returns Nothing.
 * @throws {@link InvalidArgumentError} for a malformed image.
 *
 * @example
 * ```ts
 * import { drawImageToCanvas } from 'tfjs-fashion-mnist';
 *
 * drawImageToCanvas({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) }, document.querySelector('canvas')!);
 * ```
 */
export function drawImageToCanvas(image: RgbImage, canvas: HTMLCanvasElement | OffscreenCanvas): void {
  assertRgbImage('image', image);
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!context) throw invalid('canvas', canvas, 'a canvas with a 2d context');
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let p = 0, q = 0; p < image.data.length; p += 3, q += 4) {
    rgba[q] = image.data[p]!;
    rgba[q + 1] = image.data[p + 1]!;
    rgba[q + 2] = image.data[p + 2]!;
    rgba[q + 3] = 255;
  }
  context.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);
}
