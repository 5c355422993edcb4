import { DataVerificationError } from '../errors.js';
import type { FashionMnistChecksums, FileSpec } from './files.js';
import { parseImages, parseLabels } from './idx.js';

/** Decompresses gzip bytes; the Node loader passes node:zlib, elsewhere DecompressionStream is used. */
export type Gunzip = (bytes: Uint8Array) => Promise<Uint8Array>;

export interface DecodedFile {
  spec: FileSpec;
  location: string;
  /** Pixels or labels, a view into the decompressed file. */
  data: Uint8Array;
  count: number;
}

/** gzip streams start with the bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The platform's own gzip decoder (browsers, Deno, Bun and Node all have DecompressionStream). */
export const streamGunzip: Gunzip = async (bytes) => {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Turns a file's bytes (gzip or plain IDX) into verified data: gzip integrity, IDX structure, and
 * the SHA-256 of the decompressed content unless `checksums` is null.
 */
export async function decodeFile(
  spec: FileSpec,
  bytes: Uint8Array,
  location: string,
  checksums: FashionMnistChecksums | null,
  gunzip: Gunzip,
): Promise<DecodedFile> {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = await gunzip(bytes);
    } catch (error) {
      throw new DataVerificationError(location, 'the gzip content', 'a complete, valid gzip stream', `unreadable (${(error as Error).message})`);
    }
  }
  let decoded: DecodedFile;
  if (spec.kind === 'images') {
    const images = parseImages(raw, location);
    decoded = { spec, location, data: images.pixels, count: images.count };
  } else {
    const labels = parseLabels(raw, location);
    decoded = { spec, location, data: labels, count: labels.length };
  }
  if (checksums) {
    const actual = await sha256Hex(raw);
    const expected = checksums[spec.role];
    if (actual !== expected) throw new DataVerificationError(location, 'the SHA-256 of the decompressed content', expected, actual);
  }
  return decoded;
}
