// Builds small IDX fixtures in the Fashion-MNIST layout, so parsing and every error path can be
// tested without the real data.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, deflateRawSync, gzipSync } from 'node:zlib';

export function idxImages(count: number, side = 28, magic = 2051, fill = (image: number, pixel: number) => (image * 31 + pixel) % 256): Uint8Array {
  const bytes = new Uint8Array(16 + count * side * side);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, count);
  view.setUint32(8, side);
  view.setUint32(12, side);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < side * side; p++) bytes[16 + i * side * side + p] = fill(i, p);
  }
  return bytes;
}

export function idxLabels(labels: number[], magic = 2049): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, labels.length);
  bytes.set(labels, 8);
  return bytes;
}

export interface Fixture {
  files: Record<string, Uint8Array>;
  checksums: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A tiny data set: 5 training images labelled 9,0,3,9,1 and 3 test images labelled 2,8,5. */
export function makeFixture(): Fixture {
  const files = {
    'train-images-idx3-ubyte': idxImages(5),
    'train-labels-idx1-ubyte': idxLabels([9, 0, 3, 9, 1]),
    't10k-images-idx3-ubyte': idxImages(3, 28, 2051, (i, p) => (i * 7 + p * 3) % 256),
    't10k-labels-idx1-ubyte': idxLabels([2, 8, 5]),
  };
  return { files, checksums: checksumsOf(files) };
}

/** Writes the fixture's files (optionally gzipped, optionally overridden) into a new temp dir. */
export function writeFixture(files: Record<string, Uint8Array>, options: { gzip?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-fixture-'));
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    if (options.gzip) writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, name), bytes);
  }
  return dir;
}

/**
 * A single-member gzip that inflates to `prefix` followed by `zeros` zero bytes, built in
 * milliseconds from one compressed 16 MiB segment repeated (each segment is a self-contained run
 * of non-final deflate blocks ending on a byte boundary). Its CRC and length fields are zero: a
 * loader must refuse it long before reaching them. About 1 KB per MB inflated.
 */
export function gzipBomb(prefix: Uint8Array, zeros: number): Uint8Array {
  const segmentLength = 1 << 24;
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const parts: Uint8Array[] = [new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), deflateRawSync(prefix, sync)];
  const segment = deflateRawSync(new Uint8Array(segmentLength), sync);
  for (let left = zeros; left > 0; left -= segmentLength) {
    parts.push(left >= segmentLength ? segment : deflateRawSync(new Uint8Array(left), sync));
  }
  // A final, empty fixed-Huffman block, then CRC-32 and length (left zero).
  parts.push(new Uint8Array([0x03, 0x00]), new Uint8Array(8));
  return Buffer.concat(parts);
}

/** A 32-bit header field, for building IDX headers by hand. */
export function idxHeader(magic: number, ...sizes: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * sizes.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  sizes.forEach((size, i) => view.setUint32(4 + 4 * i, size));
  return bytes;
}

/** The checksums option of loadFashionMnist for a set of the four files. */
export function checksumsOf(files: Record<string, Uint8Array>): Fixture['checksums'] {
  return {
    trainImages: sha256(files['train-images-idx3-ubyte']!),
    trainLabels: sha256(files['train-labels-idx1-ubyte']!),
    testImages: sha256(files['t10k-images-idx3-ubyte']!),
    testLabels: sha256(files['t10k-labels-idx1-ubyte']!),
  };
}

/** Serves the files gzipped, as the official mirrors do, on a local port: `<base><name>.gz`. */
export async function serveGzipped(files: Record<string, Uint8Array>): Promise<{ base: string; close(): void }> {
  const gz: Record<string, Uint8Array> = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${name}.gz`, gzipSync(bytes)]));
  const server = createServer((request, response) => {
    const body = gz[(request.url ?? '').split('/').pop()!];
    if (body) response.writeHead(200, { 'content-length': body.length }).end(body);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}
