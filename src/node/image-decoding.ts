// Node-only: what the image decoders share: the size limits checked against a file's header, the
// decoding options and the wording of their errors.
import { ImageDecodeError } from '../errors.js';
import { invalid, type OptionNames, resolveOptions } from '../validate.js';

/**
 * The limits of {@link decodeImage}, `decodePng` and {@link readImage}, checked against the
 * file's header (and, for a JPEG, its scans) before any pixel is allocated. A decoded image takes
 * 3 bytes per pixel (192 MiB at the limit); decoding needs more while it runs: a PNG about three
 * times its samples (`maxPngSampleBytes`) beside the result, a JPEG up to `maxJpegMemoryMiB` by
 * jpeg-js's count.
 */
export const IMAGE_LIMITS = /* @__PURE__ */ Object.freeze({
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
  /**
   * The most scans (SOS markers) a JPEG may have: 256. Baseline images have one per component or
   * one in all; progressive ones from common encoders about ten.
   */
  maxJpegScans: 256,
  /**
   * The most 8x8 blocks the JPEG decoder may visit, summed over the scans (each scan is counted as
   * covering every block of every component): 2^26, about 60 scans of a 48 Mpx 4:2:0 photo. A
   * progressive JPEG of thousands of tiny scans is refused before it is decoded.
   */
  maxJpegScanBlocks: 2 ** 26,
});

/** Options of {@link decodeImage}. Every field is optional. */
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

const DECODE_DEFAULTS = /* @__PURE__ */ Object.freeze({ background: /* @__PURE__ */ Object.freeze([255, 255, 255] as const) as readonly [number, number, number] });
const DECODE_OPTIONS: OptionNames<DecodeImageOptions> = { file: true, background: true };

/** The options checked, with the default background. */
export function readOptions(options: DecodeImageOptions): { file: string | undefined; background: readonly [number, number, number] } {
  const { file, background } = resolveOptions('options', options, DECODE_DEFAULTS, DECODE_OPTIONS);
  if (file !== undefined && typeof file !== 'string') throw invalid('options.file', file, 'a file name (a string)');
  if (!Array.isArray(background) || background.length !== 3 || !background.every((v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255)) {
    throw invalid('options.background', background, 'an [red, green, blue] array of integers 0-255');
  }
  return { file, background };
}

/** "The bytes are" or "The file is", to start a sentence about the input. */
export function subject(file: string | undefined): string {
  return file === undefined ? 'The bytes are' : 'The file is';
}

/** A decoder's error message (and its cause's), without the closing punctuation, for a parenthesis. */
export function describeCause(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` ${error.cause.message}` : '';
  return `${message}${cause}`.replace(/[.:]\s*$/, '');
}

/** Refuses an empty image or one beyond {@link IMAGE_LIMITS}, before its pixels are allocated. */
export function checkSize(kind: string, width: number, height: number, file: string | undefined): void {
  if (width === 0 || height === 0) throw new ImageDecodeError(`The ${kind} image is empty (${width}x${height} pixels).`, { file });
  const { maxSide, maxPixels } = IMAGE_LIMITS;
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    throw new ImageDecodeError(`The ${kind} image is ${width}x${height} pixels; images of at most ${maxSide} pixels on a side and ${maxPixels} pixels in all are decoded.`, { file });
  }
}
