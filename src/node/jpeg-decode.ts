// Node-only: the JPEG decoder. jpeg-js decodes; this file reads the frame header first and refuses
// an image beyond the limits, or one whose decoding would need more memory than allowed, before
// jpeg-js allocates anything.
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

/** Decodes baseline or progressive JPEG bytes (greyscale, colour or Adobe CMYK) into an RGB image. */
export function decodeJpeg(bytes: Uint8Array, file: string | undefined): RgbImage {
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
