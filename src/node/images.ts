// Node-only image files: decoding PNG and JPEG files and writing PNG files. The codecs live here, not
// in the platform-neutral entry, so a browser bundle that draws on canvases carries neither decoder.
// Sizes are read from the file's header and checked before the decoders allocate anything.
import { open, stat } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';
import jpeg from 'jpeg-js';
import { ImageDecodeError, InvalidArgumentError } from '../errors.js';
import type { RgbImage } from '../viz/image.js';
import { encodePng } from '../viz/png.js';
import { describeFsError, writeFileAtomic } from './atomic.js';

/**
 * The limits of {@link decodeImage}, {@link decodePng} and {@link readImage}, checked against the
 * file's header before any pixel is allocated. A decoded image takes 3 bytes per pixel (192 MiB
 * at the limit); decoding needs more while it runs: a PNG about three times its samples
 * (`maxPngSampleBytes`) beside the result, a JPEG up to `maxJpegMemoryMiB` by jpeg-js's count.
 */
export const IMAGE_LIMITS = Object.freeze({
  /** The largest width or height in pixels. */
  maxSide: 16384,
  /** The most pixels: 2^26 (64 Mpx, e.g. 8192 x 8192; a 48 Mpx phone photo fits). */
  maxPixels: 2 ** 26,
  /**
   * The most bytes of PNG samples (width x height x channels x bytes per sample): 2^28, 256 MiB,
   * which 8-bit RGBA reaches at the pixel limit and 16-bit RGBA at 32 Mpx.
   */
  maxPngSampleBytes: 2 ** 28,
  /** The largest file {@link readImage} reads: 64 MiB. */
  maxFileBytes: 64 * 2 ** 20,
  /**
   * The most memory the JPEG decoder may use, in MiB, estimated from the header before decoding:
   * about 13.5 bytes a pixel for the usual 4:2:0 colour JPEG (a 48 Mpx photo fits), 21 for 4:4:4
   * (up to about 38 Mpx), 6 for greyscale (up to the pixel limit).
   */
  maxJpegMemoryMiB: 768,
});

/** Options of {@link decodeImage} and {@link decodePng}. Every field is optional. */
export interface DecodeImageOptions {
  /**
   * The file the bytes came from; errors name it ({@link ImageDecodeError}`.file`).
   * @defaultValue undefined: errors speak of "the bytes"
   */
  file?: string;
  /**
   * The colour behind transparent pixels, `[red, green, blue]` 0-255: partly transparent pixels are
   * blended over it, as a viewer shows them on a page of that colour.
   * @defaultValue [255, 255, 255] (white)
   */
  background?: readonly [number, number, number];
}

/** Options of {@link readImage}: those of {@link decodeImage}, whose `file` is the path read. */
export type ReadImageOptions = Omit<DecodeImageOptions, 'file'>;

const WHITE = [255, 255, 255] as const;

/**
 * Decodes PNG bytes into an RGB image, e.g. to check a file written by {@link savePng} or to read a
 * user's picture. Every PNG kind is read: greyscale is expanded, palettes are looked up, 16-bit
 * samples are scaled to 8 bits (`round(v / 257)`), and transparent pixels (alpha channel or `tRNS`)
 * are blended over `options.background`.
 *
 * The header's size is checked against {@link IMAGE_LIMITS} first, and the compressed data is
 * checked to inflate to no more than the header describes, so a small file cannot expand into
 * gigabytes.
 *
 * @param png - The PNG file's bytes.
 * @param options - The file name for errors, and the background; see {@link DecodeImageOptions}.
 * @returns The image as {@link RgbImage}.
 * @throws {@link ImageDecodeError} when the bytes are not a readable PNG, are empty (0 pixels wide
 *   or high), or exceed {@link IMAGE_LIMITS}; its message and `file` name the file when given.
 * @throws {@link InvalidArgumentError} when `png` is not a `Uint8Array` or the options are malformed.
 *
 * @example
 * ```ts
 * import { decodePng, encodePng } from 'tfjs-fashion-mnist/node';
 *
 * const image = decodePng(encodePng({ width: 2, height: 1, data: new Uint8Array(6) }));
 * console.log(image.width, image.height); // 2 1
 * ```
 */
export function decodePng(png: Uint8Array, options: DecodeImageOptions = {}): RgbImage {
  if (!(png instanceof Uint8Array)) throw new InvalidArgumentError('png', 'a Uint8Array of PNG bytes', png);
  const { file, background } = readOptions(options);
  const header = readPngHeader(png, file);
  checkInflatedSize(png, header, file);
  let decoded: DecodedPng;
  try {
    decoded = decode(png);
  } catch (error) {
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (${describeCause(error)}).`, file, { cause: error });
  }
  if (header.palette && !decoded.palette) throw new ImageDecodeError(`${subject(file)} not a readable PNG image (an indexed-colour image without a PLTE palette).`, file);
  return pngToRgb(decoded, background, file);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/**
 * Decodes a PNG or JPEG file (told apart by their signatures) into an RGB image, e.g. a photo to
 * classify with {@link toFashionMnistPixels}. PNGs are read as {@link decodePng} reads them; JPEGs
 * may be baseline or progressive, greyscale, colour or Adobe CMYK. Sizes are checked against
 * {@link IMAGE_LIMITS} from the header, before decoding.
 *
 * @param bytes - The file's bytes.
 * @param options - The file name for errors, and the background; see {@link DecodeImageOptions}.
 * @returns The image as {@link RgbImage}.
 * @throws {@link ImageDecodeError} when the bytes are neither a readable PNG nor a readable JPEG,
 *   are empty, or exceed {@link IMAGE_LIMITS}; its message and `file` name the file when given.
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
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', 'a Uint8Array of PNG or JPEG bytes', bytes);
  const { file } = readOptions(options);
  const startsWith = (signature: number[]) => signature.every((b, i) => bytes[i] === b);
  if (startsWith(PNG_SIGNATURE)) return decodePng(bytes, options);
  if (startsWith(JPEG_SIGNATURE)) return decodeJpeg(bytes, file);
  if (bytes.length === 0) throw new ImageDecodeError(`${subject(file)} empty.`, file);
  const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageDecodeError(`${subject(file)} neither a PNG nor a JPEG image (${file === undefined ? 'they start' : 'it starts'} with ${start}).`, file);
}

/**
 * Reads an image file and decodes it ({@link decodeImage}): the file's size is checked before it is
 * read (at most {@link IMAGE_LIMITS}`.maxFileBytes`), and every error names the path. Node only.
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
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'a non-empty file path', path);
  readOptions(options);
  return decodeImage(await readImageFile(path), { ...options, file: path });
}

/** Reads a regular file of at most the limit's size; a FIFO or device is refused before it is opened. */
async function readImageFile(path: string): Promise<Uint8Array> {
  const cannotRead = (error: unknown) => new ImageDecodeError(`The file cannot be read: ${describeFsError(error)}.`, path, { cause: error });
  const info = await stat(path).catch((error: unknown) => {
    throw cannotRead(error);
  });
  checkFileStats(info, path);
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw cannotRead(error);
  });
  try {
    // The size again from the open file, in case the path changed since.
    const size = checkFileStats(await handle.stat(), path);
    const buffer = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } catch (error) {
    throw error instanceof ImageDecodeError ? error : cannotRead(error);
  } finally {
    await handle.close();
  }
}

function checkFileStats(info: { isFile(): boolean; size: number }, path: string): number {
  if (!info.isFile()) throw new ImageDecodeError('The path is not a regular file.', path);
  if (info.size > IMAGE_LIMITS.maxFileBytes) {
    throw new ImageDecodeError(`The file is ${info.size} bytes; image files of at most ${IMAGE_LIMITS.maxFileBytes} bytes (64 MiB) are read.`, path);
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
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'a non-empty file path', path);
  await writeFileAtomic(path, encodePng(image));
}

function readOptions(options: DecodeImageOptions): { file: string | undefined; background: readonly [number, number, number] } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object of decoding options', options);
  const { file, background = WHITE } = options;
  if (file !== undefined && typeof file !== 'string') throw new InvalidArgumentError('options.file', 'a file name (a string)', file);
  if (!Array.isArray(background) || background.length !== 3 || !background.every((v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255)) {
    throw new InvalidArgumentError('options.background', 'an [red, green, blue] array of integers 0-255', background);
  }
  return { file, background };
}

/** "The bytes are" or "The file is", to start a sentence about the input. */
function subject(file: string | undefined): string {
  return file === undefined ? 'The bytes are' : 'The file is';
}

function describeCause(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` ${error.cause.message}` : '';
  return `${message}${cause}`.replace(/[.:]\s*$/, '');
}

/** Refuses an empty image or one beyond {@link IMAGE_LIMITS}, before its pixels are allocated. */
function checkSize(kind: string, width: number, height: number, file: string | undefined): void {
  if (width === 0 || height === 0) throw new ImageDecodeError(`The ${kind} image is empty (${width}x${height} pixels).`, file);
  const { maxSide, maxPixels } = IMAGE_LIMITS;
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    throw new ImageDecodeError(`The ${kind} image is ${width}x${height} pixels; images of at most ${maxSide} pixels on a side and ${maxPixels} pixels in all are decoded.`, file);
  }
}

interface PngHeader {
  width: number;
  height: number;
  depth: number;
  channels: number;
  interlaced: boolean;
  palette: boolean;
}

const PNG_CHANNELS: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Reads and checks the IHDR chunk, which the PNG format puts first. */
function readPngHeader(png: Uint8Array, file: string | undefined): PngHeader {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 33 || view.getUint32(8) !== 13 || String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR') {
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (it ends or breaks off before its IHDR header).`, file);
  }
  const [width, height, depth, colorType, interlace] = [view.getUint32(16), view.getUint32(20), png[24]!, png[25]!, png[28]!];
  checkSize('PNG', width, height, file);
  const kind = PNG_CHANNELS[colorType];
  if (!kind || !kind.depths.includes(depth) || interlace > 1) {
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (colour type ${colorType}, bit depth ${depth} and interlace method ${interlace} are not a valid combination).`, file);
  }
  const sampleBytes = height * Math.ceil((width * kind.channels * depth) / 8);
  if (sampleBytes > IMAGE_LIMITS.maxPngSampleBytes) {
    throw new ImageDecodeError(
      `The PNG image's ${width}x${height} pixels of ${kind.channels} ${depth}-bit samples are ${sampleBytes} bytes; images of at most ${IMAGE_LIMITS.maxPngSampleBytes} bytes (256 MiB) of samples are decoded.`,
      file,
    );
  }
  return { width, height, depth, channels: kind.channels, interlaced: interlace === 1, palette: colorType === 3 };
}

/** The exact size of the inflated image data: one filter byte per row of each (Adam7) pass, then the row. */
function inflatedSize({ width, height, depth, channels, interlaced }: PngHeader): number {
  const rowBytes = (w: number) => 1 + Math.ceil((w * channels * depth) / 8);
  if (!interlaced) return height * rowBytes(width);
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
  let size = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) size += h * rowBytes(w);
  }
  return size;
}

/** Extra inflated bytes tolerated after the image data, as other decoders ignore them. */
const INFLATE_SLACK = 4096;

/**
 * Inflates the IDAT data with a cap of what the header describes, so that a "zip bomb" (a few
 * kilobytes that inflate to gigabytes) is refused instead of filling memory; fast-png, which decodes
 * next, has no such cap. Costs one extra inflate of the image.
 */
function checkInflatedSize(png: Uint8Array, header: PngHeader, file: string | undefined): void {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Uint8Array[] = [];
  for (let offset = 8; offset + 8 <= png.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    if (type === 'IDAT') chunks.push(png.subarray(offset + 8, Math.min(png.length, offset + 8 + length)));
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  const expected = inflatedSize(header);
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(Buffer.concat(chunks), { maxOutputLength: expected + INFLATE_SLACK });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageDecodeError(`The PNG image data inflates to more than its ${header.width}x${header.height} header describes (${expected} bytes).`, file, { cause: error });
    }
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (${describeCause(error)}).`, file, { cause: error });
  }
  if (inflated.length < expected) {
    throw new ImageDecodeError(`The PNG image data is truncated: it inflates to ${inflated.length} of the ${expected} bytes its ${header.width}x${header.height} header describes.`, file);
  }
}

/** Unpacks 1, 2 or 4-bit greyscale samples (rows start on a byte) into one byte each. */
function unpackSamples(data: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const samples = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      samples[y * width + x] = (data[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return samples;
}

/**
 * Converts fast-png's output (any colour type and depth) to 8-bit RGB: palette indices looked up,
 * samples scaled to 0-255, alpha (a channel, or a `tRNS` colour key) blended over `background`.
 */
function pngToRgb(decoded: DecodedPng, background: readonly [number, number, number], file: string | undefined): RgbImage {
  const { width, height, depth } = decoded;
  let { channels } = decoded;
  let data: ArrayLike<number> = decoded.data;
  let max = 2 ** depth - 1;
  if (decoded.palette) {
    try {
      data = convertIndexedToRgb(decoded);
    } catch (error) {
      throw new ImageDecodeError(`${subject(file)} not a readable PNG image (${describeCause(error)}).`, file, { cause: error });
    }
    channels = decoded.palette[0]?.length ?? 3;
    max = 255;
  } else if (depth < 8) {
    data = unpackSamples(data, width, height, depth);
  }
  const key = !decoded.palette && decoded.transparency?.length ? Array.from(decoded.transparency) : undefined;
  const color = channels >= 3 ? 3 : 1;
  const hasAlpha = channels === 2 || channels === 4;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const base = p * channels;
    let alpha = hasAlpha ? data[base + channels - 1]! / max : 1;
    if (key && key.every((k, c) => data[base + c] === k)) alpha = 0;
    for (let c = 0; c < 3; c++) {
      const value = data[base + (color === 3 ? c : 0)]! / max;
      rgb[p * 3 + c] = Math.round(alpha === 1 ? value * 255 : value * alpha * 255 + background[c]! * (1 - alpha));
    }
  }
  return { width, height, data: rgb };
}

/** Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

interface JpegFrame {
  marker: number;
  precision: number;
  width: number;
  height: number;
  /** Sampling factors of each component. */
  components: Array<{ h: number; v: number }>;
}

/** The frame header (SOF) of a JPEG, found by walking its markers, or undefined when it is not found. */
function jpegFrame(bytes: Uint8Array): JpegFrame | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    if (isStartOfFrame(marker) && offset + 10 <= bytes.length) {
      const be16 = (at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
      const count = bytes[offset + 9]!;
      const components = Array.from({ length: count }, (_, i) => bytes[offset + 11 + 3 * i] ?? 0x11).map((hv) => ({ h: Math.max(1, hv >> 4), v: Math.max(1, hv & 15) }));
      return { marker, precision: bytes[offset + 4]!, height: be16(offset + 5), width: be16(offset + 7), components };
    }
    offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  }
  return undefined;
}

/**
 * The bytes jpeg-js will allocate for a frame, by its own accounting: an Int32Array of 64 per block
 * of every component (padded to whole MCUs), a byte per sample of each component's lines, a byte per
 * pixel and component while converting colours, and the RGB output.
 */
function jpegDecodeBytes({ width, height, components }: JpegFrame): number {
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  const mcusPerLine = Math.ceil(width / 8 / maxH);
  const mcusPerColumn = Math.ceil(height / 8 / maxV);
  let bytes = width * height * (components.length + 3);
  for (const { h, v } of components) {
    bytes += mcusPerColumn * v * mcusPerLine * h * 256;
    bytes += Math.ceil((Math.ceil(width / 8) * h) / maxH) * 8 * Math.ceil((Math.ceil(height / 8) * v) / maxV) * 8;
  }
  return bytes;
}

function decodeJpeg(bytes: Uint8Array, file: string | undefined): RgbImage {
  const frame = jpegFrame(bytes);
  if (frame) {
    if (frame.marker > 0xc2) {
      throw new ImageDecodeError(`Only baseline and progressive JPEG images are supported, but this one is of another kind (lossless, hierarchical or arithmetic-coded; marker SOF${frame.marker - 0xc0}).`, file);
    }
    if (frame.precision !== 8) throw new ImageDecodeError(`Only 8-bit JPEG images are supported, but this one has ${frame.precision}-bit samples.`, file);
    checkSize('JPEG', frame.width, frame.height, file);
    const needed = jpegDecodeBytes(frame);
    if (needed > IMAGE_LIMITS.maxJpegMemoryMiB * 2 ** 20) {
      throw new ImageDecodeError(
        `The JPEG image (${frame.width}x${frame.height} pixels, ${frame.components.length} components) needs ${Math.ceil(needed / 2 ** 20)} MiB to decode; at most ${IMAGE_LIMITS.maxJpegMemoryMiB} MiB are used.`,
        file,
      );
    }
  }
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    // The decoder's own caps back up the header check for a frame the walk above did not find.
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: IMAGE_LIMITS.maxPixels / 1e6,
      // A little above the estimate, for the tables, so that only a frame the walk missed hits it.
      maxMemoryUsageInMB: IMAGE_LIMITS.maxJpegMemoryMiB + 16,
    });
  } catch (error) {
    if (/maxMemoryUsageInMB/.test(describeCause(error))) {
      throw new ImageDecodeError(`The JPEG image needs more than ${IMAGE_LIMITS.maxJpegMemoryMiB} MiB to decode.`, file, { cause: error });
    }
    throw new ImageDecodeError(`${subject(file)} not a readable JPEG image (${describeCause(error)}).`, file, { cause: error });
  }
  checkSize('JPEG', decoded.width, decoded.height, file);
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}
