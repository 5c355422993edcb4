import { DataVerificationError } from '../errors.js';

/** IDX magic numbers: 0x0000 0803 (unsigned bytes, 3 dimensions) and 0x0000 0801 (1 dimension). */
export const IMAGES_MAGIC = 2051;
export const LABELS_MAGIC = 2049;
const SIDE = 28;
const CLASSES = 10;

export interface ParsedImages {
  count: number;
  height: number;
  width: number;
  /** Pixel bytes, row-major, a view into the file's bytes (no copy). */
  pixels: Uint8Array;
}

function readHeader(bytes: Uint8Array, file: string, magic: number, dims: number): number[] {
  const headerLength = 4 + 4 * dims;
  if (bytes.length < headerLength) {
    throw new DataVerificationError(file, 'length (bytes) of the IDX header', `at least ${headerLength}`, bytes.length);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const actualMagic = view.getUint32(0);
  if (actualMagic !== magic) throw new DataVerificationError(file, 'the IDX magic number', magic, actualMagic);
  return Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
}

function checkLength(bytes: Uint8Array, file: string, expected: number): void {
  if (bytes.length !== expected) {
    throw new DataVerificationError(file, 'the file length in bytes (from its IDX header)', expected, bytes.length);
  }
}

/** Parses an IDX3 image file of 28x28 unsigned bytes, checking magic, dimensions and length. */
export function parseImages(bytes: Uint8Array, file: string): ParsedImages {
  const [count = 0, height = 0, width = 0] = readHeader(bytes, file, IMAGES_MAGIC, 3);
  if (height !== SIDE || width !== SIDE) {
    throw new DataVerificationError(file, 'the image size', `${SIDE}x${SIDE}`, `${height}x${width}`);
  }
  checkLength(bytes, file, 16 + count * height * width);
  return { count, height, width, pixels: bytes.subarray(16) };
}

/** Parses an IDX1 label file, checking magic, length and that every label is a class 0-9. */
export function parseLabels(bytes: Uint8Array, file: string): Uint8Array {
  const [count = 0] = readHeader(bytes, file, LABELS_MAGIC, 1);
  checkLength(bytes, file, 8 + count);
  const labels = bytes.subarray(8);
  const bad = labels.findIndex((label) => label >= CLASSES);
  if (bad >= 0) throw new DataVerificationError(file, `label ${bad}`, `a class from 0 to ${CLASSES - 1}`, labels[bad] ?? NaN);
  return labels;
}
