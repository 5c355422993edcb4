// Node-only image files: decoding PNG and JPEG files and writing PNG files. The codecs live in the
// Node entry, not in the platform-neutral one, so a browser bundle that draws on canvases carries
// neither decoder. Sizes are read from the file's header and checked before the decoders allocate
// anything (see image-decoding.ts, png-decode.ts and jpeg-decode.ts).
import { ImageDecodeError, InvalidArgumentError } from '../errors.js';
import type { RgbImage } from '../viz/image.js';
import { encodePng } from '../viz/png.js';
import { describeFsError, writeFileAtomic } from './atomic.js';
import { IMAGE_LIMITS, readOptions, subject, type DecodeImageOptions } from './image-decoding.js';
import { decodeJpeg } from './jpeg-decode.js';
import { decodePng } from './png-decode.js';
import { invalid } from '../validate.js';
import { openRegular, readFully } from './read-file.js';

/** Options of {@link readImage}: those of {@link decodeImage}, whose `file` is the path read. */
export type ReadImageOptions = Omit<DecodeImageOptions, 'file'>;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/**
 * Decodes a PNG or JPEG file (told apart by their signatures) into an RGB image, e.g. a photo to
 * classify with {@link toFashionMnistPixels}. PNGs of every kind are read (greyscale, palette,
 * 16-bit, transparency blended over `options.background`); JPEGs may be baseline or progressive,
 * greyscale, colour or Adobe CMYK. Sizes are checked from the header, before decoding: at most 16384
 * pixels on a side and 2^26 pixels (64 Mpx) in all, at most 256 MiB of PNG samples, at most 768 MiB
 * of JPEG decoding memory; so are a JPEG's scans (at most 256, and at most 2^26 8x8 blocks decoded
 * over all of them). A PNG's image data is inflated under a cap from its one IHDR header, and its
 * other chunks (colour profiles, text) are never inflated.
 *
 * @param bytes - The file's bytes.
 * @param options - The file name for errors, and the background; see {@link DecodeImageOptions}.
 * @returns The image as {@link RgbImage}.
 * @throws {@link ImageDecodeError} when the bytes are neither a readable PNG nor a readable JPEG,
 *   are empty, or exceed these limits; its message and `file` name the file when given
 *   (and the format, when it is another known one), never the file's bytes.
 * @throws {@link InvalidArgumentError} when `bytes` is not a `Uint8Array` or the options are malformed.
 *
 * @example
 * ```ts
 * import { decodeImage } from 'tfjs-fashion-mnist/node';
 * import { readFileSync } from 'node:fs';
 *
 * const image = decodeImage(readFileSync('sneaker.jpg'), { file: 'sneaker.jpg' });
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): RgbImage {
  if (!(bytes instanceof Uint8Array)) throw invalid('bytes', bytes, 'a Uint8Array of PNG or JPEG bytes');
  const { file } = readOptions(options);
  const startsWith = (signature: number[]) => signature.every((b, i) => bytes[i] === b);
  if (startsWith(PNG_SIGNATURE)) return decodePng(bytes, options);
  if (startsWith(JPEG_SIGNATURE)) return decodeJpeg(bytes, file);
  if (bytes.length === 0) throw new ImageDecodeError(`${subject(file)} empty.`, { file });
  // Never the bytes themselves: a path may lead (through a link) to a secret, and messages end up in logs.
  const format = OTHER_FORMATS.find(([, test]) => test(bytes))?.[0];
  const looks = format === undefined ? '' : ` (${file === undefined ? 'they look' : 'it looks'} like ${format} image)`;
  throw new ImageDecodeError(`${subject(file)} neither a PNG nor a JPEG image${looks}.`, { file });
}

const ascii = (bytes: Uint8Array, at: number, text: string) => text.split('').every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** Image formats this library does not read, told by their signatures, to name them in the error. */
const OTHER_FORMATS: Array<[string, (bytes: Uint8Array) => boolean]> = [
  ['a GIF', (b) => ascii(b, 0, 'GIF8')],
  ['a WebP', (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')],
  ['a BMP', (b) => ascii(b, 0, 'BM')],
  ['a TIFF', (b) => ascii(b, 0, 'II*\0') || ascii(b, 0, 'MM\0*')],
  ['an HEIC or AVIF', (b) => ascii(b, 4, 'ftyp')],
];

/**
 * Reads an image file and decodes it ({@link decodeImage}): the file's size is checked before it is
 * read (at most 64 MiB), and every error names the path. The file is
 * opened without blocking and checked on the open descriptor: a FIFO, device or folder is refused
 * at once, even one put in place of the file just before it is opened. Node only.
 *
 * @param path - A PNG or JPEG file.
 * @param options - The background for transparent pixels; see {@link DecodeImageOptions}.
 * @returns The image as {@link RgbImage}.
 * @throws {@link ImageDecodeError} (with `file` set to `path`) when the file cannot be read, is not
 *   a regular file, is larger than the limit, or cannot be decoded.
 * @throws {@link InvalidArgumentError} for an empty path or malformed options.
 *
 * @example
 * ```ts
 * import { readImage, toFashionMnistPixels } from 'tfjs-fashion-mnist/node';
 *
 * const pixels = toFashionMnistPixels(await readImage('sneaker.jpg'));
 * ```
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  if (typeof path !== 'string' || path === '') throw invalid('path', path, 'a non-empty file path');
  readOptions(options);
  return decodeImage(await readImageFile(path), { ...options, file: path });
}

/**
 * Reads a regular file of at most the limit's size. It is opened without blocking and checked on
 * the open descriptor, so a FIFO or device (even one swapped in for the file) is refused at once.
 */
async function readImageFile(path: string): Promise<Uint8Array> {
  const cannotRead = (error: unknown) => new ImageDecodeError(`The file cannot be read: ${describeFsError(error)}.`, { file: path, cause: error });
  const opened = await openRegular(path).catch((error: unknown) => {
    throw cannotRead(error);
  });
  if (!opened.handle) throw new ImageDecodeError('The path is not a regular file.', { file: path });
  try {
    const size = checkFileStats(opened.info, path);
    const buffer = new Uint8Array(size);
    return buffer.subarray(0, await readFully(opened.handle, buffer, 0, size));
  } catch (error) {
    throw error instanceof ImageDecodeError ? error : cannotRead(error);
  } finally {
    await opened.handle.close();
  }
}

function checkFileStats(info: { isFile(): boolean; size: number }, path: string): number {
  if (!info.isFile()) throw new ImageDecodeError('The path is not a regular file.', { file: path });
  if (info.size > IMAGE_LIMITS.maxFileBytes) {
    throw new ImageDecodeError(`The file is ${info.size} bytes; image files of at most ${IMAGE_LIMITS.maxFileBytes} bytes (64 MiB) are read.`, { file: path });
  }
  return info.size;
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
  if (typeof path !== 'string' || path === '') throw invalid('path', path, 'a non-empty file path');
  await writeFileAtomic(path, encodePng(image));
}
