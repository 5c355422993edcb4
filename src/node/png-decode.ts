// Node-only: the PNG decoder. fast-png decodes; this file walks the chunks first and hands it only
// what it checked: the one IHDR header (whose size is checked against the limits), PLTE, tRNS, and
// the image data cut to the one zlib stream that was inflated under a budget from that header. No
// other chunk reaches fast-png, so nothing else is ever inflated (iCCP profiles, zTXt and iTXt
// text). Every PNG kind is then converted to 8-bit RGB.
import { inflateSync } from 'node:zlib';
import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';
import { InvalidArgumentError, ImageDecodeError } from '../errors.js';
import type { RgbImage } from '../viz/image.js';
import { checkSize, describeCause, IMAGE_LIMITS, readOptions, subject, type DecodeImageOptions } from './image-decoding.js';
import { invalid } from '../validate.js';

/**
 * Decodes PNG bytes into an RGB image: the PNG half of `decodeImage` (which the Node entry exports).
 * Every PNG kind is read: greyscale is expanded, palettes are looked up, 16-bit samples are scaled to
 * 8 bits (`round(v / 257)`), and transparent pixels (alpha channel or `tRNS`) are blended over
 * `options.background`. The header's size is checked against IMAGE_LIMITS first, and the compressed
 * data is inflated with a cap of what the header describes, so a small file cannot expand into
 * gigabytes. A file with more than one IHDR header is refused; ancillary chunks (colour profiles,
 * text, and any other) are skipped without being inflated. Throws an ImageDecodeError naming
 * `options.file` when given.
 */
export function decodePng(png: Uint8Array, options: DecodeImageOptions = {}): RgbImage {
  if (!(png instanceof Uint8Array)) throw invalid('png', png, 'a Uint8Array of PNG bytes');
  const { file, background } = readOptions(options);
  const header = readPngHeader(png, file);
  const chunks = readChunks(png, file);
  const imageData = checkInflatedSize(chunks.idat, header, file);
  let decoded: DecodedPng;
  try {
    decoded = decode(checkedPng(png, chunks, imageData));
  } catch (error) {
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (${describeCause(error)}).`, { file, cause: error });
  }
  if (decoded.width !== header.width || decoded.height !== header.height) {
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (it decoded to ${decoded.width}x${decoded.height} pixels, not the ${header.width}x${header.height} of its header).`, { file });
  }
  if (header.palette && !decoded.palette) throw new ImageDecodeError(`${subject(file)} not a readable PNG image (an indexed-colour image without a PLTE palette).`, { file });
  return pngToRgb(decoded, background, file);
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
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (it ends or breaks off before its IHDR header).`, { file });
  }
  const [width, height, depth, colorType, interlace] = [view.getUint32(16), view.getUint32(20), png[24]!, png[25]!, png[28]!];
  checkSize('PNG', width, height, file);
  const kind = PNG_CHANNELS[colorType];
  if (!kind || !kind.depths.includes(depth) || interlace > 1) {
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (colour type ${colorType}, bit depth ${depth} and interlace method ${interlace} are not a valid combination).`, { file });
  }
  const sampleBytes = height * Math.ceil((width * kind.channels * depth) / 8);
  if (sampleBytes > IMAGE_LIMITS.maxPngSampleBytes) {
    throw new ImageDecodeError(`The PNG image's ${width}x${height} pixels of ${kind.channels} ${depth}-bit samples are ${sampleBytes} bytes; images of at most ${IMAGE_LIMITS.maxPngSampleBytes} bytes (256 MiB) of samples are decoded.`, { file });
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

/** The chunks fast-png is given: the others are never looked into. */
interface PngChunks {
  plte?: Uint8Array;
  trns?: Uint8Array;
  /** The data of every IDAT chunk, in order. */
  idat: Uint8Array[];
}

/**
 * Walks every chunk up to IEND: a file with a second IHDR (fast-png would decode by the last one,
 * whatever the first one that was checked says), or whose chunks run past its end, is refused.
 */
function readChunks(png: Uint8Array, file: string | undefined): PngChunks {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunks = { idat: [] };
  const broken = (why: string) => new ImageDecodeError(`${subject(file)} not a readable PNG image (${why}).`, { file });
  for (let offset = 8; ; ) {
    if (offset + 8 > png.length) throw broken('it ends before its IEND chunk');
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (offset + 12 + length > png.length && type !== 'IEND') throw broken(`it breaks off inside its ${JSON.stringify(type)} chunk`);
    if (type === 'IEND') return chunks;
    if (type === 'IHDR' && offset !== 8) throw broken('it has more than one IHDR header');
    if (type === 'IDAT') chunks.idat.push(data);
    // The first of each, before the image data, as the format puts them.
    else if (type === 'PLTE' && chunks.idat.length === 0) chunks.plte ??= data;
    else if (type === 'tRNS' && chunks.idat.length === 0) chunks.trns ??= data;
    offset += 12 + length;
  }
}

/**
 * Inflates the IDAT data with a cap of what the header describes, so that a "zip bomb" (a few
 * kilobytes that inflate to gigabytes) is refused instead of filling memory; fast-png, which decodes
 * next, has no such cap and is given only the compressed bytes this inflate consumed. Costs one
 * extra inflate of the image.
 *
 * @returns The one zlib stream of the image data, without anything after it.
 */
function checkInflatedSize(idat: Uint8Array[], header: PngHeader, file: string | undefined): Uint8Array {
  const compressed = Buffer.concat(idat);
  const expected = inflatedSize(header);
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    inflated = inflateSync(compressed, { maxOutputLength: expected + INFLATE_SLACK, info: true }) as unknown as typeof inflated;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageDecodeError(`The PNG image data inflates to more than its ${header.width}x${header.height} header describes (${expected} bytes).`, { file, cause: error });
    }
    throw new ImageDecodeError(`${subject(file)} not a readable PNG image (${describeCause(error)}).`, { file, cause: error });
  }
  if (inflated.buffer.length < expected) {
    throw new ImageDecodeError(`The PNG image data is truncated: it inflates to ${inflated.buffer.length} of the ${expected} bytes its ${header.width}x${header.height} header describes.`, { file });
  }
  return compressed.subarray(0, inflated.engine.bytesWritten);
}

/** The PNG fast-png decodes: the checked IHDR, PLTE and tRNS, one IDAT of the checked stream, IEND. */
function checkedPng(png: Uint8Array, chunks: PngChunks, imageData: Uint8Array): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Uint8Array[] => {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length);
    head.set(Buffer.from(type, 'latin1'), 4);
    // fast-png does not check CRCs (zlib's Adler-32 covers the image data); zeros stand in for them.
    return [head, data, new Uint8Array(4)];
  };
  const parts = [png.subarray(0, 33)];
  if (chunks.plte) parts.push(...chunk('PLTE', chunks.plte));
  if (chunks.trns) parts.push(...chunk('tRNS', chunks.trns));
  parts.push(...chunk('IDAT', imageData), ...chunk('IEND', new Uint8Array()));
  return Buffer.concat(parts);
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
      throw new ImageDecodeError(`${subject(file)} not a readable PNG image (${describeCause(error)}).`, { file, cause: error });
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
