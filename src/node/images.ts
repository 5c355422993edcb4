// Node-only image files: decoding PNG and JPEG files and writing PNG files. The codecs live here, not
// in the platform-neutral entry, so a browser bundle that draws on canvases carries neither decoder.
import { decode } from 'fast-png';
import jpeg from 'jpeg-js';
import { ImageDecodeError, InvalidArgumentError } from '../errors.js';
import type { RgbImage } from '../viz/image.js';
import { encodePng } from '../viz/png.js';
import { writeFileAtomic } from './atomic.js';

/**
 * Decodes PNG bytes into an RGB image (alpha is dropped, grayscale expanded), e.g. to check a file
 * written by {@link savePng} or to read a user's picture.
 *
 * @param png - The PNG file's bytes.
 * @returns The image as {@link RgbImage}.
 * @throws {@link ImageDecodeError} when the bytes are not an 8-bit PNG.
 *
 * @example
 * ```ts
 * import { decodePng, encodePng } from 'tfjs-fashion-mnist/node';
 *
 * const image = decodePng(encodePng({ width: 2, height: 1, data: new Uint8Array(6) }));
 * console.log(image.width, image.height); // 2 1
 * ```
 */
export function decodePng(png: Uint8Array): RgbImage {
  let decoded: ReturnType<typeof decode>;
  try {
    decoded = decode(png);
  } catch (error) {
    throw new ImageDecodeError(`The bytes are not a readable PNG image (${(error as Error).message}).`, undefined, { cause: error });
  }
  const { width, height, channels, depth } = decoded;
  if (depth !== 8 || decoded.palette) throw new ImageDecodeError(`Only 8-bit, non-palette PNG images are supported, but this one has depth ${depth}${decoded.palette ? ' and a palette' : ''}.`);
  const source = decoded.data;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = source[p * channels + (channels >= 3 ? c : 0)]!;
  }
  return { width, height, data };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/**
 * Decodes a PNG or JPEG file (told apart by their signatures) into an RGB image, e.g. a photo to
 * classify with {@link toFashionMnistPixels}.
 *
 * @param bytes - The file's bytes.
 * @returns The image as {@link RgbImage}.
 * @throws {@link ImageDecodeError} when the bytes are neither a readable PNG nor a readable JPEG.
 *
 * @example
 * ```ts
 * import { decodeImage } from 'tfjs-fashion-mnist/node';
 * import { readFileSync } from 'node:fs';
 *
 * const image = decodeImage(readFileSync('sneaker.jpg'));
 * ```
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const startsWith = (signature: number[]) => signature.every((b, i) => bytes[i] === b);
  if (startsWith(PNG_SIGNATURE)) return decodePng(bytes);
  if (!startsWith(JPEG_SIGNATURE)) throw new ImageDecodeError('The bytes are neither a PNG nor a JPEG image (unknown signature).');
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 512 });
  } catch (error) {
    throw new ImageDecodeError(`The bytes are not a readable JPEG image (${(error as Error).message}).`, undefined, { cause: error });
  }
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}

/**
 * Writes an RGB image as a PNG file, atomically: the bytes go to a temporary file beside the target,
 * which is then renamed, so a crash never leaves a half-written picture. Node only.
 *
 * @param image - The image, e.g. a montage from {@link buildMontage}.
 * @param path - Where to write the `.png` file; its folder must exist.
 * @returns A promise that resolves once the file is in place.
 * @throws {@link InvalidArgumentError} for a malformed image or an empty path.
 *
 * @example
 * ```ts
 * import { savePng } from 'tfjs-fashion-mnist/node';
 *
 * await savePng({ width: 1, height: 1, data: new Uint8Array([0, 255, 0]) }, 'pixel.png');
 * ```
 */
export async function savePng(image: RgbImage, path: string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'a non-empty file path', path);
  await writeFileAtomic(path, encodePng(image));
}

