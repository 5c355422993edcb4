// Node-only: the JPEG decoder. jpeg-js decodes; this file reads the frame header first and refuses
// an image beyond the limits, or one whose decoding would need more memory than allowed, before
// jpeg-js allocates anything; and it bounds the work of progressive JPEGs, which jpeg-js decodes
// scan by scan over the whole image however little data each scan holds.
import jpeg from 'jpeg-js';
import { ImageDecodeError } from '../errors.js';
import type { RgbImage } from '../viz/image.js';
import { checkSize, describeCause, IMAGE_LIMITS, subject } from './image-decoding.js';

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

/** The memory jpeg-js may use, in bytes: the limit, and a little for its tables (see decodeJpeg). */
const JPEG_DECODER_BYTES = (IMAGE_LIMITS.maxJpegMemoryMiB + 16) * 2 ** 20;

/**
 * The most 8x8 blocks one scan can make jpeg-js visit, over every frame header it could use: each
 * SOF0-2 marker anywhere in the bytes, read as jpeg-js reads it (its length ignored, components
 * by id), up to what its memory cap lets it allocate (256 bytes a block). Upper bounds only: the
 * walk never has to agree with jpeg-js's own, more forgiving, one.
 */
function mostBlocksPerScan(bytes: Uint8Array): number {
  let most = 0;
  for (let at = bytes.indexOf(0xff); at !== -1 && at + 10 <= bytes.length; at = bytes.indexOf(0xff, at + 1)) {
    const marker = bytes[at + 1]!;
    if (marker < 0xc0 || marker > 0xc2) continue;
    const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
    const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
    const byId = new Map<number, { h: number; v: number }>();
    for (let c = 0, p = at + 10; c < bytes[at + 9]! && p + 1 < bytes.length; c++, p += 3) byId.set(bytes[p]!, { h: bytes[p + 1]! >> 4, v: bytes[p + 1]! & 15 });
    const components = [...byId.values()];
    if (components.length === 0 || components.some((c) => c.h === 0 || c.v === 0)) continue;
    const maxH = Math.max(...components.map((c) => c.h));
    const maxV = Math.max(...components.map((c) => c.v));
    const mcus = Math.ceil(width / 8 / maxH) * Math.ceil(height / 8 / maxV);
    most = Math.max(most, components.reduce((sum, c) => sum + mcus * c.h * c.v, 0));
  }
  return Math.min(most, JPEG_DECODER_BYTES / 256);
}

/**
 * Refuses a JPEG whose scans would take jpeg-js too long: more scans than
 * {@link IMAGE_LIMITS}`.maxJpegScans`, or more block decodes in all (scans times the blocks a scan
 * can cover) than `maxJpegScanBlocks`. Scans are counted as SOS markers (FF DA) anywhere in the
 * bytes, which jpeg-js cannot exceed: the image data escapes every FF byte it holds.
 */
function checkScanWork(bytes: Uint8Array, file: string | undefined): void {
  let scans = 0;
  for (let at = bytes.indexOf(0xda, 1); at !== -1; at = bytes.indexOf(0xda, at + 1)) if (bytes[at - 1] === 0xff) scans++;
  if (scans > IMAGE_LIMITS.maxJpegScans) {
    throw new ImageDecodeError(`The JPEG image has ${scans} scans; images of at most ${IMAGE_LIMITS.maxJpegScans} scans are decoded.`, { file });
  }
  const work = scans * mostBlocksPerScan(bytes);
  if (work > IMAGE_LIMITS.maxJpegScanBlocks) {
    throw new ImageDecodeError(`The JPEG image's ${scans} scans may decode ${work} blocks of 8x8 samples in all; images of at most ${IMAGE_LIMITS.maxJpegScanBlocks} are decoded (a progressive image of many scans).`, { file });
  }
}

/** Decodes baseline or progressive JPEG bytes (greyscale, colour or Adobe CMYK) into an RGB image. */
export function decodeJpeg(bytes: Uint8Array, file: string | undefined): RgbImage {
  const frame = jpegFrame(bytes);
  if (frame) {
    if (frame.marker > 0xc2) {
      throw new ImageDecodeError(`Only baseline and progressive JPEG images are supported, but this one is of another kind (lossless, hierarchical or arithmetic-coded; marker SOF${frame.marker - 0xc0}).`, { file });
    }
    if (frame.precision !== 8) throw new ImageDecodeError(`Only 8-bit JPEG images are supported, but this one has ${frame.precision}-bit samples.`, { file });
    checkSize('JPEG', frame.width, frame.height, file);
    const needed = jpegDecodeBytes(frame);
    if (needed > IMAGE_LIMITS.maxJpegMemoryMiB * 2 ** 20) {
      throw new ImageDecodeError(`The JPEG image (${frame.width}x${frame.height} pixels, ${frame.components.length} components) needs ${Math.ceil(needed / 2 ** 20)} MiB to decode; at most ${IMAGE_LIMITS.maxJpegMemoryMiB} MiB are used.`, { file });
    }
  }
  checkScanWork(bytes, file);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    // The decoder's own caps back up the header check for a frame the walk above did not find.
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: IMAGE_LIMITS.maxPixels / 1e6,
      // A little above the estimate, for the tables, so that only a frame the walk missed hits it.
      maxMemoryUsageInMB: JPEG_DECODER_BYTES / 2 ** 20,
    });
  } catch (error) {
    if (/maxMemoryUsageInMB/.test(describeCause(error))) {
      throw new ImageDecodeError(`The JPEG image needs more than ${IMAGE_LIMITS.maxJpegMemoryMiB} MiB to decode.`, { file, cause: error });
    }
    throw new ImageDecodeError(`${subject(file)} not a readable JPEG image (${describeCause(error)}).`, { file, cause: error });
  }
  checkSize('JPEG', decoded.width, decoded.height, file);
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}
