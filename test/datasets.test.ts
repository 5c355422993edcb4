import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetUnavailableError,
  DataVerificationError,
  FASHION_MNIST_LABELS,
  FASHION_MNIST_LONG_LABELS,
  InvalidArgumentError,
  loadFashionMnist,
  splitToTensors,
  subsetSplit,
  toFashionMnistPixels,
  type DownloadProgress,
} from '../src/node.js';
import { idxImages, idxLabels, makeFixture, writeFixture } from './helpers/idx.js';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { tempDir } from './helpers/temp-dir.js';

const fixture = makeFixture();
const { checksums } = fixture;
const DEBIAN = '/usr/share/datasets/fashion-mnist';
const work = tempDir('datasets');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loadFashionMnist from a directory of fixtures', () => {
  it.each([false, true])('parses plain and gzip IDX files (gzip: %s)', async (gzip) => {
    const dir = writeFixture(fixture.files, { gzip });
    const data = await loadFashionMnist({ dir, checksums });
    expect(data.source).toEqual({ kind: 'dir', location: dir });
    expect(data.train.count).toBe(5);
    expect(data.test.count).toBe(3);
    expect([data.train.height, data.train.width]).toEqual([28, 28]);
    expect(Array.from(data.train.labels)).toEqual([9, 0, 3, 9, 1]);
    expect(Array.from(data.test.labels)).toEqual([2, 8, 5]);
    expect(data.train.images.length).toBe(5 * 784);
    // Image 2, pixel 100 of the generated fixture is (2 * 31 + 100) % 256.
    expect(data.train.images[2 * 784 + 100]).toBe(162);
    expect(data.labelNames).toEqual(['top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']);
    expect(data.longLabelNames).toBe(FASHION_MNIST_LONG_LABELS);
    rmSync(dir, { recursive: true });
  });

  it('skips the checksum with checksums: false but still checks structure', async () => {
    const dir = writeFixture(fixture.files);
    await expect(loadFashionMnist({ dir })).rejects.toThrow(DataVerificationError);
    const data = await loadFashionMnist({ dir, checksums: false });
    expect(data.train.count).toBe(5);
    rmSync(dir, { recursive: true });
  });

  const broken: Array<[string, string, Uint8Array | ((gz: Uint8Array) => Uint8Array), string]> = [
    ['wrong magic', 'train-images-idx3-ubyte', idxImages(5, 28, 2049), 'train-images-idx3-ubyte: the IDX magic number should be 2051 but is 2049.'],
    ['wrong label magic', 't10k-labels-idx1-ubyte', idxLabels([2, 8, 5], 2051), 't10k-labels-idx1-ubyte: the IDX magic number should be 2049 but is 2051.'],
    ['truncated file', 'train-images-idx3-ubyte', idxImages(5).subarray(0, 16 + 4 * 784 + 10), 'train-images-idx3-ubyte: the file length in bytes (from its IDX header) should be 3936 but is 3162.'],
    ['truncated header', 'train-labels-idx1-ubyte', new Uint8Array([0, 0, 8]), 'train-labels-idx1-ubyte: length (bytes) of the IDX header should be at least 8 but is 3.'],
    ['wrong image size', 't10k-images-idx3-ubyte', idxImages(3, 32), 't10k-images-idx3-ubyte: the image size should be 28x28 but is 32x32.'],
    ['label out of range', 'train-labels-idx1-ubyte', idxLabels([9, 0, 12, 9, 1]), 'train-labels-idx1-ubyte: label 2 should be a class from 0 to 9 but is 12.'],
    ['count mismatch', 'train-labels-idx1-ubyte', idxLabels([9, 0, 3, 9]), 'train-labels-idx1-ubyte: the number of labels (matching DIR/train-images-idx3-ubyte) should be 5 but is 4.'],
  ];
  it.each(broken)('rejects a %s with a message naming the file', async (_case, name, bytes, message) => {
    const dir = writeFixture({ ...fixture.files, [name]: bytes as Uint8Array });
    const error = await loadFashionMnist({ dir, checksums: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataVerificationError);
    expect((error as Error).message).toBe(`${dir}/${message.replace('DIR/', `${dir}/`)}`);
    rmSync(dir, { recursive: true });
  });

  it('rejects a corrupt gzip file', async () => {
    const dir = writeFixture(fixture.files, { gzip: true });
    const gz = gzipSync(fixture.files['train-labels-idx1-ubyte']!);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gz.subarray(0, gz.length - 12));
    const error = (await loadFashionMnist({ dir, checksums }).catch((e: unknown) => e)) as DataVerificationError;
    expect(error).toBeInstanceOf(DataVerificationError);
    expect(error.message).toMatch(
      new RegExp(`^${dir}/train-labels-idx1-ubyte\\.gz: the gzip content should be a complete, valid gzip stream but is unreadable \\(.+\\)\\.$`),
    );
    rmSync(dir, { recursive: true });
  });

  it('rejects a checksum mismatch, naming the file and both digests', async () => {
    const dir = writeFixture(fixture.files);
    const wrong = '0'.repeat(64);
    const error = (await loadFashionMnist({ dir, checksums: { ...checksums, testLabels: wrong } }).catch((e: unknown) => e)) as DataVerificationError;
    expect(error).toBeInstanceOf(DataVerificationError);
    expect(error.message).toBe(`${dir}/t10k-labels-idx1-ubyte: the SHA-256 of the decompressed content should be ${wrong} but is ${checksums.testLabels}.`);
    expect(error.expected).toBe(wrong);
    expect(error.actual).toBe(checksums.testLabels);
    rmSync(dir, { recursive: true });
  });

  it('says which files are missing from options.dir', async () => {
    const dir = writeFixture({ 'train-images-idx3-ubyte': fixture.files['train-images-idx3-ubyte']! });
    await expect(loadFashionMnist({ dir })).rejects.toThrow(
      `${dir}: not all four Fashion-MNIST files are in this folder (\`options.dir\`): train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte are missing (plain or .gz).`,
    );
    rmSync(dir, { recursive: true });
  });

  it('uses FASHION_MNIST_DIR before the other places', async () => {
    const dir = writeFixture(fixture.files, { gzip: true });
    process.env.FASHION_MNIST_DIR = dir;
    try {
      const data = await loadFashionMnist({ checksums, download: false });
      expect(data.source).toEqual({ kind: 'env', location: dir });
    } finally {
      delete process.env.FASHION_MNIST_DIR;
      rmSync(dir, { recursive: true });
    }
  });

  it('finds the Keras cache under KERAS_HOME', async () => {
    const home = mkdtempSync(join(work, 'keras-home-'));
    const kerasDir = join(home, 'datasets', 'fashion-mnist');
    const { cpSync } = await import('node:fs');
    const dir = writeFixture(fixture.files, { gzip: true });
    cpSync(dir, kerasDir, { recursive: true });
    process.env.KERAS_HOME = home;
    try {
      const data = await loadFashionMnist({ checksums, sources: ['env', 'keras', 'debian'] });
      expect(data.source).toEqual({ kind: 'keras', location: kerasDir });
    } finally {
      delete process.env.KERAS_HOME;
      rmSync(home, { recursive: true });
      rmSync(dir, { recursive: true });
    }
  });

  it('reports where it looked when nothing is found and downloads are off', async () => {
    const cacheDir = mkdtempSync(join(work, 'empty-'));
    await expect(loadFashionMnist({ cacheDir, sources: ['cache'], download: false })).rejects.toThrow(
      `Fashion-MNIST was not found in ${cacheDir} and downloading is turned off (options.download is false or options.sources leaves out 'download').`,
    );
    rmSync(cacheDir, { recursive: true });
  });

  it.each([
    [{ dir: '' }, 'Argument `options.dir` must be a non-empty string, but received "".'],
    [{ dir: '/x', baseUrl: 'http://h/' }, 'Argument `options.baseUrl` must be left out when options.dir is given (use one source), but received "http://h/".'],
    [{ sources: ['web'] }, "Argument `options.sources[0]` must be one of \"env\", \"keras\", \"cache\", \"debian\" or \"download\", but received \"web\"."],
    [{ mirrors: [] }, 'Argument `options.mirrors` must be a non-empty array of base URLs, but received [].'],
    [{ checksums: { trainImages: 'abc' } }, 'Argument `options.checksums.trainImages` must be a SHA-256 digest of 64 lowercase hex digits, but received "abc".'],
    [{ idleTimeoutMs: 0 }, 'Argument `options.idleTimeoutMs` must be an integer from 1 to 2147483647 (milliseconds), but received 0.'],
  ])('rejects bad options %j', async (options, message) => {
    const error = await loadFashionMnist(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });
});

describe('subsetSplit and splitToTensors', () => {
  const dir = writeFixture(fixture.files);
  afterAll(() => rmSync(dir, { recursive: true }));

  it('takes the first n or a seeded sample', async () => {
    const { train } = await loadFashionMnist({ dir, checksums });
    const first = subsetSplit(train, 2);
    expect(first.count).toBe(2);
    expect(Array.from(first.labels)).toEqual([9, 0]);
    expect(first.images).toEqual(train.images.subarray(0, 2 * 784));

    const sample = subsetSplit(train, { count: 3, seed: 1 });
    const again = subsetSplit(train, { count: 3, seed: 1 });
    expect(sample).toEqual(again);
    expect(new Set(sample.labels).size).toBeGreaterThan(0);
    // Every sampled image is one of the originals, with its own label.
    for (let i = 0; i < 3; i++) {
      const image = sample.images.subarray(i * 784, (i + 1) * 784);
      const source = [0, 1, 2, 3, 4].find((j) => train.images.subarray(j * 784, (j + 1) * 784).every((v, k) => v === image[k]));
      expect(source).toBeDefined();
      expect(sample.labels[i]).toBe(train.labels[source!]);
    }
    const all = subsetSplit(train, { count: 5, seed: 3 });
    expect(Array.from(all.labels).sort()).toEqual([0, 1, 3, 9, 9]);
  });

  it('scales to [0, 1] with a channel axis and one-hot labels', async () => {
    const { train } = await loadFashionMnist({ dir, checksums });
    const before = tf.memory().numTensors;
    const { xs, ys } = splitToTensors(train);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(xs.shape).toEqual([5, 28, 28, 1]);
    expect(xs.dtype).toBe('float32');
    expect(ys.shape).toEqual([5, 10]);
    const pixels = xs.dataSync();
    expect(pixels[2 * 784 + 100]).toBeCloseTo(162 / 255, 6);
    expect((ys.arraySync() as number[][])[0]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    tf.dispose([xs, ys]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives channelsFirst, integer labels and subsets', async () => {
    const { train } = await loadFashionMnist({ dir, checksums });
    const before = tf.memory().numTensors;
    const { xs, ys } = splitToTensors(train, { dataFormat: 'channelsFirst', labels: 'index', subset: 3 });
    expect(xs.shape).toEqual([3, 1, 28, 28]);
    expect(ys.dtype).toBe('int32');
    expect(Array.from(ys.dataSync())).toEqual([9, 0, 3]);
    tf.dispose([xs, ys]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    [{ subset: 6 }, "Argument `options.subset` must be at most the split's 5 images, but received 6."],
    [{ subset: { count: 0, seed: 1 } }, 'Argument `options.subset.count` must be a positive integer, but received 0.'],
    [{ subset: { count: 2, seed: -1 } }, 'Argument `options.subset.seed` must be a non-negative integer, but received -1.'],
    [{ dataFormat: 'NHWC' }, "Argument `options.dataFormat` must be one of \"channelsLast\" or \"channelsFirst\", but received \"NHWC\"."],
    [{ labels: 'onehot' }, "Argument `options.labels` must be one of \"oneHot\" or \"index\", but received \"onehot\"."],
  ])('rejects %j without leaking tensors', async (options, message) => {
    const { train } = await loadFashionMnist({ dir, checksums });
    const before = tf.memory().numTensors;
    expect(() => splitToTensors(train, options as never)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('downloads from a local HTTP server', () => {
  let server: Server;
  let base = '';
  const gz = Object.fromEntries(Object.entries(fixture.files).map(([name, bytes]) => [`${name}.gz`, gzipSync(bytes)]));
  const tampered = gzipSync(idxLabels([9, 0, 3, 9, 2]));

  beforeAll(async () => {
    server = createServer((request, response) => {
      const [, mirror = '', file = ''] = (request.url ?? '').split('/');
      const body = gz[file];
      if (mirror === 'missing' || !body) {
        response.writeHead(404).end('not found');
      } else if (mirror === 'cut') {
        // Announce the whole file, send half of it, then drop the connection.
        response.writeHead(200, { 'content-length': body.length });
        response.write(body.subarray(0, body.length >> 1), () => response.socket?.destroy());
      } else if (mirror === 'tampered' && file === 'train-labels-idx1-ubyte.gz') {
        response.writeHead(200, { 'content-length': tampered.length }).end(tampered);
      } else {
        response.writeHead(200, { 'content-length': body.length }).end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const freshCache = () => mkdtempSync(join(work, 'cache-'));

  it('downloads, verifies, caches and reports progress; the second load reads the cache', async () => {
    const cacheDir = freshCache();
    const progress: DownloadProgress[] = [];
    const data = await loadFashionMnist({ cacheDir, sources: ['cache', 'download'], mirrors: [`${base}/good/`], checksums, onProgress: (p) => progress.push(p) });
    expect(data.source).toEqual({ kind: 'download', location: cacheDir });
    expect(Array.from(data.train.labels)).toEqual([9, 0, 3, 9, 1]);
    expect(readdirSync(cacheDir).sort()).toEqual(Object.keys(gz).sort());
    const last = progress.filter((p) => p.file === 'train-images-idx3-ubyte').at(-1)!;
    expect(last.loaded).toBe(gz['train-images-idx3-ubyte.gz']!.length);
    expect(last.total).toBe(last.loaded);
    expect(last.url).toBe(`${base}/good/train-images-idx3-ubyte.gz`);

    const again = await loadFashionMnist({ cacheDir, sources: ['cache', 'download'], mirrors: [`${base}/missing/`], checksums });
    expect(again.source).toEqual({ kind: 'cache', location: cacheDir });
    rmSync(cacheDir, { recursive: true });
  });

  it('falls back to the next mirror after a 404', async () => {
    const cacheDir = freshCache();
    const data = await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/missing/`, `${base}/good`], checksums });
    expect(data.test.count).toBe(3);
    expect(readdirSync(cacheDir)).toHaveLength(4);
    rmSync(cacheDir, { recursive: true });
  });

  it('leaves nothing in the cache when the connection is cut halfway', async () => {
    const cacheDir = freshCache();
    const error = (await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/cut/`], checksums }).catch((e: unknown) => e)) as DatasetUnavailableError;
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect(error.message).toMatch(
      new RegExp(`^Could not download train-images-idx3-ubyte\\.gz from any mirror \\(${base}/cut/train-images-idx3-ubyte\\.gz: connection failed after \\d+ bytes \\(.+\\)\\)\\.$`),
    );
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
  });

  it('rejects a download whose checksum does not match, leaving nothing behind', async () => {
    const cacheDir = freshCache();
    const error = (await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/tampered/`], checksums }).catch((e: unknown) => e)) as DatasetUnavailableError;
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect((error.cause as AggregateError).errors[0]).toBeInstanceOf(DataVerificationError);
    expect(error.message).toContain(`${base}/tampered/train-labels-idx1-ubyte.gz: the SHA-256 of the decompressed content should be ${checksums.trainLabels} but is `);
    expect(readdirSync(cacheDir).sort()).toEqual(['train-images-idx3-ubyte.gz']);
    rmSync(cacheDir, { recursive: true });
  });

  it('fetches from a baseUrl, as the browser does', async () => {
    const data = await loadFashionMnist({ baseUrl: `${base}/good`, checksums });
    expect(data.source).toEqual({ kind: 'url', location: `${base}/good/` });
    expect(Array.from(data.test.labels)).toEqual([2, 8, 5]);
    await expect(loadFashionMnist({ baseUrl: `${base}/missing/`, checksums })).rejects.toThrow(
      `Could not fetch train-images-idx3-ubyte from \`options.baseUrl\` (${base}/missing/train-images-idx3-ubyte.gz: HTTP 404 Not Found; ${base}/missing/train-images-idx3-ubyte: HTTP 404 Not Found).`,
    );
  });
});

describe.skipIf(missing(FASHION_MNIST))('the real data set (Debian dataset-fashion-mnist, installed by .ci/run)', () => {
  it('is installed', () => {
    expect(existsSync(join(DEBIAN, 'train-images-idx3-ubyte.gz')), 'run `apt-get install dataset-fashion-mnist`').toBe(true);
  });

  it('loads 60,000 + 10,000 verified images, 6,000/1,000 per class, first label ankle boot', async () => {
    const before = tf.memory().numTensors;
    const data = await loadFashionMnist({ dir: DEBIAN });
    expect(tf.memory().numTensors).toBe(before);
    expect(data.train.count).toBe(60_000);
    expect(data.test.count).toBe(10_000);
    expect(data.train.images.length).toBe(60_000 * 784);
    const perClass = (labels: Uint8Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
    expect(perClass(data.train.labels)).toEqual(Array(10).fill(6_000));
    expect(perClass(data.test.labels)).toEqual(Array(10).fill(1_000));
    expect(data.train.labels[0]).toBe(9);
    expect(FASHION_MNIST_LABELS[data.train.labels[0]!]).toBe('ankle boot');
  });
});

describe('toFashionMnistPixels', () => {
  /** A 40x30 picture: a bright square on black, or its inverse. */
  function picture(lightBackground: boolean) {
    const data = new Uint8Array(40 * 30 * 3);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        const inside = x >= 10 && x < 30 && y >= 8 && y < 22;
        data.fill(inside !== lightBackground ? 250 : 5, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
      }
    }
    return { width: 40, height: 30, data };
  }

  it('makes 28x28 grey levels, light garment on dark, inverting light backgrounds', () => {
    const before = tf.memory().numTensors;
    const dark = toFashionMnistPixels(picture(false));
    const light = toFashionMnistPixels(picture(true));
    expect(dark).toHaveLength(784);
    expect(tf.memory().numTensors).toBe(before);
    // The centre is the garment (bright) and the corner the background (dark) in both.
    expect(dark[14 * 28 + 14]).toBe(250);
    expect(dark[0]).toBe(5);
    expect(light[14 * 28 + 14]).toBe(255 - 5);
    expect(light[0]).toBe(255 - 250);
    expect(toFashionMnistPixels(picture(true), { invert: false })[0]).toBe(250);
  });

  it('rejects a malformed image', () => {
    expect(() => toFashionMnistPixels({ width: 2, height: 2, data: new Uint8Array(5) })).toThrow(
      'Argument `image` must be an RgbImage { width, height, data } with width * height * 3 bytes of data, but received an object (Object).',
    );
  });
});
