import { invalid } from '../validate.js';

/**
 * An 8-bit RGB image as plain data: `data` holds `height * width * 3` values 0-255, row-major, each
 * pixel's red, green and blue in turn (the layout of a `[height, width, 3]` tensor).
 *
 * Hand it to `tf.browser.toPixels(tf.tensor3d(image.data, [image.height, image.width, 3], 'int32'))`,
 * to `encodePng` (`tfjs-fashion-mnist/node`), or to {@link drawImageToCanvas}.
 */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** RGB bytes, row-major. */
  data: Uint8Array;
}

/** Throws unless `image` is an {@link RgbImage} whose data matches its size. */
export function assertRgbImage(argument: string, image: RgbImage): void {
  const valid =
    typeof image === 'object' && image !== null && Number.isInteger(image.width) && Number.isInteger(image.height) &&
    image.width > 0 && image.height > 0 && image.data instanceof Uint8Array && image.data.length === image.width * image.height * 3;
  if (!valid) throw invalid(argument, image, 'an RgbImage { width, height, data } with width * height * 3 bytes of data');
}

/** Makes a black RGB image. */
export function blackImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}
