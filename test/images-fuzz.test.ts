// Seeded fuzzing of the PNG and JPEG decoders: valid files of every kind the decoders read, mutated
// (bits flipped, bytes changed, cut, spliced, chunks and markers repeated, size fields set to huge
// values). Every outcome must be an image of the size it claims within the limits, or an
// ImageDecodeError naming the file: never another error, a hang or a crash. Runs in seconds.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng, ImageDecodeError } from '../src/node.js';
import { IMAGE_LIMITS } from '../src/node/image-decoding.js';
import { handmadePng, jpegOf, unfiltered } from './helpers/images.js';
import { random } from './helpers/random.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const pixels = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 11) % 256);

const PNGS = [
  encodePng({ width: 7, height: 5, data: pixels(105, 1) }),
  encode({ width: 6, height: 4, data: pixels(24, 2), channels: 1, depth: 8 }),
  encode({ width: 3, height: 3, data: Uint16Array.from(pixels(36, 3), (v) => v * 257), channels: 4, depth: 16 }),
  encode({ width: 4, height: 2, data: Uint8Array.from([0b00011011, 0b11100100]), channels: 1, depth: 2, palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255, 128], [9, 9, 9]] }),
  encode({ width: 9, height: 9, data: pixels(243, 4), channels: 3, depth: 8 }, { interlace: 'Adam7' }),
  encode({ width: 5, height: 3, data: pixels(30, 5), channels: 2, depth: 8 }),
  handmadePng({ width: 11, height: 2, depth: 1, raw: unfiltered([[0b10101010, 0b11100000], [0b01010101, 0b00000000]]) }),
];
const JPEGS = [jpegOf(16, 16, 90), jpegOf(24, 8, 200), readFileSync(join(fixtures, 'progressive.jpg'))];

/** One mutation of `bytes`, or of a splice with `other`. */
function mutate(bytes: Uint8Array, other: Uint8Array, r: (n: number) => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = r(out.length);
  switch (r(9)) {
    case 0: // flip a few bits
      for (let i = r(4) + 1; i > 0; i--) out[r(out.length)]! ^= 1 << r(8);
      return out;
    case 1: // a byte in the first 64 (signature, headers, markers)
      out[r(Math.min(64, out.length))] = r(256);
      return out;
    case 2: // cut
      return out.subarray(0, at);
    case 3: // insert random bytes
      return Buffer.concat([out.subarray(0, at), Uint8Array.from({ length: r(24) + 1 }, () => r(256)), out.subarray(at)]);
    case 4: // delete a range
      return Buffer.concat([out.subarray(0, at), out.subarray(at + r(32) + 1)]);
    case 5: // repeat a range (chunks, marker segments, scans)
      return Buffer.concat([out.subarray(0, at), out.subarray(r(out.length), at + r(64)), out.subarray(at)]);
    case 6: // a 32-bit field set to a huge or small value
      if (out.length >= 4) new DataView(out.buffer).setUint32(r(out.length - 3), r(2) ? r(2 ** 32) : r(70000));
      return out;
    case 7: // splice with another file of the same format
      return Buffer.concat([out.subarray(0, at), other.subarray(r(other.length))]);
    default: // a 16-bit field (JPEG sizes and lengths) set to a random value
      if (out.length >= 2) new DataView(out.buffer).setUint16(r(out.length - 1), r(65536));
      return out;
  }
}

function fuzz(bases: Uint8Array[], seed: number, rounds: number): { decoded: number; refused: number } {
  const r = random(seed);
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < rounds; i++) {
    let bytes = bases[r(bases.length)]!;
    for (let m = r(3) + 1; m > 0; m--) bytes = mutate(bytes, bases[r(bases.length)]!, r);
    let image;
    try {
      image = decodeImage(bytes, { file: 'fuzzed' });
    } catch (error) {
      if (!(error instanceof ImageDecodeError) || error.file !== 'fuzzed') throw new Error(`round ${i}: ${String(error)}`, { cause: error });
      refused++;
      continue;
    }
    expect(image.data.length).toBe(image.width * image.height * 3);
    expect(image.width).toBeLessThanOrEqual(IMAGE_LIMITS.maxSide);
    expect(image.height).toBeLessThanOrEqual(IMAGE_LIMITS.maxSide);
    decoded++;
  }
  return { decoded, refused };
}

describe('fuzzed images', () => {
  it('PNG: every mutation decodes to a well-formed image or is refused with an ImageDecodeError', () => {
    const { decoded, refused } = fuzz(PNGS, 0x5eed, 3000);
    // Both outcomes occur: the mutations reach past the first checks.
    expect(decoded).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });

  it('JPEG: every mutation decodes to a well-formed image or is refused with an ImageDecodeError', () => {
    const { decoded, refused } = fuzz(JPEGS, 0x1bad, 2000);
    expect(decoded).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(500);
  });
});
