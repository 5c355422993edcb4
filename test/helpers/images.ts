// Image files built by hand for the decoder tests: PNG chunks and files, decompression bombs,
// JPEG marker segments and progressive JPEG headers with as many scans as a test wants.
import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';

/** One PNG chunk with its length and CRC. */
export function chunk(type: string, data: Uint8Array = new Uint8Array()): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG built by hand: header fields, the raw (filtered) scanlines to deflate, and extra chunks before IDAT. */
export function handmadePng(options: { width: number; height: number; depth?: number; colorType?: number; interlace?: number; raw?: Uint8Array; before?: Uint8Array[] }): Uint8Array {
  const { width, height, depth = 8, colorType = 0, interlace = 0, raw = new Uint8Array(), before = [] } = options;
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([depth, colorType, 0, 0, interlace], 8);
  const signature = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), ...before, chunk('IDAT', deflateSync(raw)), chunk('IEND')]);
}

/** Scanlines with filter byte 0 (none) before each row of `rowBytes`. */
export function unfiltered(rows: number[][]): Uint8Array {
  return Uint8Array.from(rows.flatMap((row) => [0, ...row]));
}

/**
 * A zlib stream that inflates to `zeros` zero bytes, built in milliseconds from one compressed
 * 16 MiB segment repeated (as gzipBomb in idx.ts). Its Adler-32 is left zero: a decoder must never
 * get that far. About 1 KB per MB inflated.
 */
export function zlibBomb(zeros: number): Uint8Array {
  const segmentLength = 1 << 24;
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const parts: Uint8Array[] = [new Uint8Array([0x78, 0xda])];
  const segment = deflateRawSync(new Uint8Array(segmentLength), sync);
  for (let left = zeros; left > 0; left -= segmentLength) parts.push(left >= segmentLength ? segment : deflateRawSync(new Uint8Array(left), sync));
  parts.push(new Uint8Array([0x03, 0x00]), new Uint8Array(4));
  return Buffer.concat(parts);
}

/** The chunks of a 1x1 grey PNG: its IHDR, IDAT and IEND, to put other chunks between. */
export function tinyPngWith(before: Uint8Array[]): Uint8Array {
  return handmadePng({ width: 1, height: 1, raw: unfiltered([[128]]), before });
}

/** A baseline JPEG (jpeg-js's encoder, 4:4:4 colour) of one grey level. */
export const jpegOf = (width: number, height: number, value = 200) =>
  new Uint8Array(jpeg.encode({ width, height, data: new Uint8Array(width * height * 4).fill(value) }, 95).data);

/** Rewrites the frame size of a JPEG's SOF0 header. */
export function withJpegSize(bytes: Uint8Array, width: number, height: number, marker = 0xc0): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const at = copy.findIndex((b, i) => b === 0xff && copy[i + 1] === 0xc0);
  copy[at + 1] = marker;
  copy.set([height >> 8, height & 255, width >> 8, width & 255], at + 5);
  return copy;
}

/** A JPEG marker segment: FF, the marker, the length (including itself), the payload. */
export function segment(marker: number, payload: number[] | Uint8Array): Uint8Array {
  const length = payload.length + 2;
  return Uint8Array.from([0xff, marker, length >> 8, length & 255, ...payload]);
}

/**
 * The markers of a progressive greyscale JPEG of `width` x `height` with `scans` DC scans, each with
 * one byte of image data: enough for a decoder to see the frame and count the scans (not to decode).
 */
export function progressiveHeaders(width: number, height: number, scans: number): Uint8Array {
  const frame = segment(0xc2, [8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]);
  const scan = Buffer.concat([segment(0xda, [1, 1, 0, 0, 0, 0]), Uint8Array.of(0)]);
  return Buffer.concat([Uint8Array.of(0xff, 0xd8), frame, ...Array.from({ length: scans }, () => scan), Uint8Array.of(0xff, 0xd9)]);
}
