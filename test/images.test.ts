import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng, ImageDecodeError, InvalidArgumentError, readImage } from '../src/node.js';
import { decodePng } from '../src/node/png-decode.js';
import { IMAGE_LIMITS } from '../src/node/image-decoding.js';
import { chunk, handmadePng, jpegOf, progressiveHeaders, segment, tinyPngWith, unfiltered, withJpegSize, zlibBomb } from './helpers/images.js';
import { tempDir } from './helpers/temp-dir.js';

const work = tempDir('images');
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function caught(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('decodePng', () => {
  it('round-trips RGB images and reads grey, grey+alpha, RGBA, 16-bit, palette, low-depth and interlaced PNGs', () => {
    const rgb = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
    expect(decodePng(encodePng(rgb))).toEqual(rgb);
    expect(decodePng(encode({ width: 2, height: 1, data: Uint8Array.from([7, 250]), channels: 1, depth: 8 })).data).toEqual(Uint8Array.from([7, 7, 7, 250, 250, 250]));
    // 16-bit samples scale to 8 bits as round(v / 257).
    const deep = encode({ width: 3, height: 1, data: Uint16Array.from([0, 32896, 65535, 257, 128, 65278, 1000, 2000, 3000]), channels: 3, depth: 16 });
    expect(Array.from(decodePng(deep).data)).toEqual([0, 128, 255, 1, 0, 254, 4, 8, 12]);
    // Palette, 2 bits per index: indices 0 1 2 3 in one byte.
    const palette = encode({ width: 4, height: 1, data: Uint8Array.from([0b00011011]), channels: 1, depth: 2, palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]] });
    expect(Array.from(decodePng(palette).data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
    // 1-bit grey: 1 0 1 across a 3-pixel row, padded to a byte.
    const bits = handmadePng({ width: 3, height: 1, depth: 1, raw: unfiltered([[0b10100000]]) });
    expect(Array.from(decodePng(bits).data)).toEqual([255, 255, 255, 0, 0, 0, 255, 255, 255]);
    const interlaced = encode({ width: 9, height: 9, data: Uint8Array.from({ length: 243 }, (_, i) => i), channels: 3, depth: 8 }, { interlace: 'Adam7' });
    expect(Array.from(decodePng(interlaced).data)).toEqual(Array.from({ length: 243 }, (_, i) => i));
  });

  it('blends transparent pixels over the background: white unless asked otherwise', () => {
    const rgba = encode({ width: 3, height: 1, data: Uint8Array.from([200, 0, 0, 0, 200, 0, 0, 128, 200, 0, 0, 255]), channels: 4, depth: 8 });
    const alpha = 128 / 255;
    expect(Array.from(decodePng(rgba).data)).toEqual([255, 255, 255, Math.round(200 * alpha + 255 * (1 - alpha)), Math.round(255 * (1 - alpha)), Math.round(255 * (1 - alpha)), 200, 0, 0]);
    expect(Array.from(decodePng(rgba, { background: [0, 0, 0] }).data)).toEqual([0, 0, 0, Math.round(200 * alpha), 0, 0, 200, 0, 0]);
    const greyAlpha = encode({ width: 2, height: 1, data: Uint8Array.from([100, 0, 100, 255]), channels: 2, depth: 8 });
    expect(Array.from(decodePng(greyAlpha, { background: [0, 10, 20] }).data)).toEqual([0, 10, 20, 100, 100, 100]);
    // A palette with tRNS alpha.
    const palette = encode({ width: 2, height: 1, data: Uint8Array.from([0, 1]), channels: 1, depth: 8, palette: [[255, 0, 0, 0], [0, 255, 0, 255]] });
    expect(Array.from(decodePng(palette).data)).toEqual([255, 255, 255, 0, 255, 0]);
    // A tRNS colour key on truecolour: pixels of exactly that colour are transparent. (fast-png wants
    // at least as many pixels as the chunk has values, hence 2x2.)
    const keyed = handmadePng({ width: 2, height: 2, colorType: 2, raw: unfiltered([[1, 2, 3, 1, 2, 4], [1, 2, 3, 9, 9, 9]]), before: [chunk('tRNS', Uint8Array.from([0, 1, 0, 2, 0, 3]))] });
    expect(Array.from(decodePng(keyed, { background: [0, 0, 0] }).data)).toEqual([0, 0, 0, 1, 2, 4, 0, 0, 0, 9, 9, 9]);
  });

  it.each([
    [handmadePng({ width: 0, height: 0 }), 'The PNG image is empty (0x0 pixels).'],
    [handmadePng({ width: 5, height: 0 }), 'The PNG image is empty (5x0 pixels).'],
    [handmadePng({ width: 20000, height: 20000 }), 'The PNG image is 20000x20000 pixels; images of at most 16384 pixels on a side and 67108864 pixels in all are decoded.'],
    [handmadePng({ width: 16384, height: 8193 }), 'The PNG image is 16384x8193 pixels; images of at most 16384 pixels on a side and 67108864 pixels in all are decoded.'],
    [handmadePng({ width: 4, height: 4, depth: 3 }), 'The bytes are not a readable PNG image (colour type 0, bit depth 3 and interlace method 0 are not a valid combination).'],
    [handmadePng({ width: 4, height: 4, colorType: 3 }), 'The PNG image data is truncated: it inflates to 0 of the 20 bytes its 4x4 header describes.'],
    [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'The bytes are not a readable PNG image (it ends or breaks off before its IHDR header).'],
    [
      handmadePng({ width: 8192, height: 8192, depth: 16, colorType: 6 }),
      "The PNG image's 8192x8192 pixels of 4 16-bit samples are 536870912 bytes; images of at most 268435456 bytes (256 MiB) of samples are decoded.",
    ],
  ])('refuses a bad header before decoding: %#', (bytes, message) => {
    const started = performance.now();
    const error = caught(() => decodePng(bytes));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe(message);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses a palette image without a palette, and palette indices beyond it', () => {
    const raw = unfiltered([[0, 1]]);
    expect(caught(() => decodePng(handmadePng({ width: 2, height: 1, colorType: 3, raw }))).message).toBe(
      'The bytes are not a readable PNG image (an indexed-colour image without a PLTE palette).',
    );
    const beyond = handmadePng({ width: 2, height: 1, colorType: 3, raw: unfiltered([[0, 5]]), before: [chunk('PLTE', Uint8Array.from([1, 2, 3, 4, 5, 6]))] });
    const error = caught(() => decodePng(beyond, { file: 'p.png' }));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe('p.png: The file is not a readable PNG image (Incorrect index of palette color).');
  });

  it('refuses data that inflates beyond its header (a decompression bomb) without inflating it all', () => {
    // 100 MB of zeros deflate to about 100 kB, for a 100x100 header.
    const bomb = handmadePng({ width: 100, height: 100, raw: new Uint8Array(100_000_000) });
    expect(bomb.length).toBeLessThan(200_000);
    const started = performance.now();
    const error = caught(() => decodePng(bomb, { file: 'bomb.png' }));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe('bomb.png: The PNG image data inflates to more than its 100x100 header describes (10100 bytes).');
    expect((error as ImageDecodeError).file).toBe('bomb.png');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a second IHDR header: the decoder would use it, not the one whose size was checked', () => {
    const second = handmadePng({ width: 20000, height: 20000 }).subarray(8, 33);
    const png = handmadePng({ width: 1, height: 1, raw: unfiltered([[7]]), before: [second] });
    const error = caught(() => decodePng(png, { file: 'twice.png' })) as ImageDecodeError;
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe('twice.png: The file is not a readable PNG image (it has more than one IHDR header).');
    expect(error.file).toBe('twice.png');
  });

  it('skips ancillary chunks without inflating them: a colour profile or text that inflates to 256 MiB costs nothing', () => {
    const bomb = zlibBomb(2 ** 28);
    const keyword = (word: string) => Array.from(Buffer.from(`${word}\0`, 'latin1'));
    for (const extra of [
      chunk('iCCP', Uint8Array.from([...keyword('icc'), 0, ...bomb])),
      chunk('zTXt', Uint8Array.from([...keyword('Comment'), 0, ...bomb])),
      chunk('iTXt', Uint8Array.from([...keyword('Comment'), 1, 0, 0, 0, ...bomb])),
      chunk('tEXt', Uint8Array.from(keyword('Title'))),
    ]) {
      const before = process.memoryUsage().arrayBuffers;
      expect(decodePng(tinyPngWith([extra]))).toEqual({ width: 1, height: 1, data: Uint8Array.from([128, 128, 128]) });
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 24);
    }
  });

  it('hands the decoder only the image data that was inflated under the cap, nothing after it', () => {
    // A second zlib stream after the image's: not the decoder's to inflate.
    const png = handmadePng({ width: 2, height: 1, raw: unfiltered([[1, 2]]) });
    const idatEnd = png.length - 12;
    const withTail = Buffer.concat([png.subarray(0, idatEnd), chunk('IDAT', zlibBomb(2 ** 26)), png.subarray(idatEnd)]);
    expect(decodePng(withTail).data).toEqual(Uint8Array.from([1, 1, 1, 2, 2, 2]));
  });

  it('refuses chunks that run past the end of the file', () => {
    const png = handmadePng({ width: 2, height: 1, raw: unfiltered([[1, 2]]) });
    expect(caught(() => decodePng(png.subarray(0, png.length - 20))).message).toBe('The bytes are not a readable PNG image (it breaks off inside its "IDAT" chunk).');
    expect(caught(() => decodePng(png.subarray(0, png.length - 12))).message).toBe('The bytes are not a readable PNG image (it ends before its IEND chunk).');
  });

  it('names the file in decoder errors and keeps the cause', () => {
    const corrupt = handmadePng({ width: 2, height: 1, raw: unfiltered([[1, 2]]) });
    corrupt[corrupt.length - 20]! ^= 0xff;
    const error = caught(() => decodePng(corrupt, { file: 'shirt.png' })) as ImageDecodeError;
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toMatch(/^shirt\.png: The file is not a readable PNG image \(.+\)\.$/);
    expect(error.file).toBe('shirt.png');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rejects malformed arguments', () => {
    expect(() => decodePng([1, 2] as never)).toThrow(new InvalidArgumentError('a Uint8Array of PNG bytes', { argument: 'png', received: [1, 2] }).message);
    expect(() => decodePng(encodePng({ width: 1, height: 1, data: new Uint8Array(3) }), { background: [0, 0, 256] })).toThrow(
      'Argument `options.background` must be an [red, green, blue] array of integers 0-255, but received [0, 0, 256].',
    );
  });
});

describe('decodeImage', () => {
  it('decodes PNG and JPEG by their signature', () => {
    const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
    expect(decodeImage(encodePng(image))).toEqual(image);
    const decoded = decodeImage(jpegOf(16, 16));
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([16, 16, 16 * 16 * 3]);
    expect(Math.abs(decoded.data[100]! - 200)).toBeLessThanOrEqual(2);
  });

  it.each([
    [Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]), undefined, 'The bytes are neither a PNG nor a JPEG image (they look like a GIF image).'],
    [Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]), 'cat.gif', 'cat.gif: The file is neither a PNG nor a JPEG image (it looks like a GIF image).'],
    [new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '), 'cat.webp', 'cat.webp: The file is neither a PNG nor a JPEG image (it looks like a WebP image).'],
    // The file's bytes are never shown: through a link they may be a secret's.
    [new TextEncoder().encode('API_KEY=s3cr3t\n'), 'link.png', 'link.png: The file is neither a PNG nor a JPEG image.'],
    [new Uint8Array(), undefined, 'The bytes are empty.'],
    [new Uint8Array(), 'empty.jpg', 'empty.jpg: The file is empty.'],
    [withJpegSize(jpegOf(8, 8), 20000, 20000), 'big.jpg', 'big.jpg: The JPEG image is 20000x20000 pixels; images of at most 16384 pixels on a side and 67108864 pixels in all are decoded.'],
    [withJpegSize(jpegOf(8, 8), 0, 8), undefined, 'The JPEG image is empty (0x8 pixels).'],
    // 4:4:4 colour at 64 Mpx: 21 bytes a pixel by jpeg-js's count.
    [withJpegSize(jpegOf(8, 8), 8000, 8000), 'wide.jpg', 'wide.jpg: The JPEG image (8000x8000 pixels, 3 components) needs 1282 MiB to decode; at most 768 MiB are used.'],
    [withJpegSize(jpegOf(8, 8), 8, 8, 0xc3), undefined, 'Only baseline and progressive JPEG images are supported, but this one is of another kind (lossless, hierarchical or arithmetic-coded; marker SOF3).'],
    [jpegOf(8, 8).subarray(0, 200), 'cut.jpg', /^cut\.jpg: The file is not a readable JPEG image \(.+\)\.$/],
  ])('refuses what it cannot decode: %#', (bytes, file, message) => {
    const started = performance.now();
    const error = caught(() => decodeImage(bytes, file === undefined ? {} : { file })) as ImageDecodeError;
    expect(error).toBeInstanceOf(ImageDecodeError);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect(error.file).toBe(file);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('decodes a progressive JPEG (cjpeg -progressive, 10 scans)', () => {
    const decoded = decodeImage(readFileSync(join(fixtures, 'progressive.jpg')));
    expect([decoded.width, decoded.height]).toEqual([48, 32]);
    // The source's gradients, within JPEG's loss.
    let error = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 48; x++) {
        const at = (y * 48 + x) * 3;
        error += Math.abs(decoded.data[at]! - ((x * 5) % 256)) + Math.abs(decoded.data[at + 1]! - ((y * 8) % 256)) + Math.abs(decoded.data[at + 2]! - (((x + y) * 3) % 256));
      }
    }
    expect(error / (48 * 32 * 3)).toBeLessThan(4);
  });

  it('refuses a progressive JPEG of too many scans, or of too much work in all, before decoding it', () => {
    const scans = caught(() => decodeImage(progressiveHeaders(64, 64, 257), { file: 'scans.jpg' })) as ImageDecodeError;
    expect(scans).toBeInstanceOf(ImageDecodeError);
    expect(scans.message).toBe('scans.jpg: The JPEG image has 257 scans; images of at most 256 scans are decoded.');
    expect(scans.file).toBe('scans.jpg');
    // 16384 x 4096 grey: 1,048,576 blocks a scan; 64 scans are exactly the budget, 65 are over it.
    const work = caught(() => decodeImage(progressiveHeaders(16384, 4096, 65), { file: 'work.jpg' }));
    expect(work.message).toBe(
      'work.jpg: The JPEG image\'s 65 scans may decode 68157440 blocks of 8x8 samples in all; images of at most 67108864 are decoded (a progressive image of many scans).',
    );
    // At the budget, the scans are handed to the decoder (which finds no tables in these headers).
    expect(caught(() => decodeImage(progressiveHeaders(16384, 4096, 64))).message).toMatch(/^The bytes are not a readable JPEG image/);
  });

  it('counts the frame a decoder could use that the header walk does not see first', () => {
    // A small frame first, then a large one: jpeg-js allocates and decodes by the last it reads.
    // 16384 x 16384 grey: more blocks than jpeg-js's memory cap allows (3,211,264), counted at the cap.
    const large = segment(0xc2, [8, 0x40, 0, 0x40, 0, 1, 1, 0x11, 0]);
    const bytes = progressiveHeaders(8, 8, 21);
    const twoFrames = Buffer.concat([bytes.subarray(0, 2 + 13), large, bytes.subarray(2 + 13)]);
    expect(caught(() => decodeImage(twoFrames)).message).toBe(
      "The JPEG image's 21 scans may decode 67436544 blocks of 8x8 samples in all; images of at most 67108864 are decoded (a progressive image of many scans).",
    );
  });

  it('has limits that match its documentation', () => {
    expect(IMAGE_LIMITS).toEqual({
      maxSide: 16384,
      maxPixels: 67108864,
      maxPngSampleBytes: 268435456,
      maxFileBytes: 67108864,
      maxJpegMemoryMiB: 768,
      maxJpegScans: 256,
      maxJpegScanBlocks: 67108864,
    });
  });
});

describe('readImage', () => {
  it('reads and decodes a file', async () => {
    const path = join(work, 'pixel.png');
    writeFileSync(path, encodePng({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }));
    expect(await readImage(path)).toEqual({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) });
  });

  it('names the path in every error', async () => {
    const missing = join(work, 'missing.png');
    const folder = join(work, 'folder.png');
    mkdirSync(folder);
    const huge = join(work, 'huge.png');
    writeFileSync(huge, '');
    truncateSync(huge, IMAGE_LIMITS.maxFileBytes + 1);
    const empty = join(work, 'empty.png');
    writeFileSync(empty, handmadePng({ width: 0, height: 0 }));
    const cases: Array<[string, string]> = [
      [missing, `${missing}: The file cannot be read: a part of the path does not exist (ENOENT).`],
      [folder, `${folder}: The path is not a regular file.`],
      [huge, `${huge}: The file is 67108865 bytes; image files of at most 67108864 bytes (64 MiB) are read.`],
      [empty, `${empty}: The PNG image is empty (0x0 pixels).`],
    ];
    for (const [path, message] of cases) {
      const error = (await readImage(path).catch((e: unknown) => e)) as ImageDecodeError;
      expect(error).toBeInstanceOf(ImageDecodeError);
      expect(error.message).toBe(message);
      expect(error.file).toBe(path);
    }
    await expect(readImage('')).rejects.toThrow('Argument `path` must be a non-empty file path, but received "".');
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = join(work, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    await expect(readImage(fifo)).rejects.toThrow(`${fifo}: The path is not a regular file.`);
  });
});
