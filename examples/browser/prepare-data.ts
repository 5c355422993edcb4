// Writes the browser demo's data: a random sample of the real Fashion-MNIST (loaded and verified
// with the official checksums by loadFashionMnist) as four gzipped IDX files under public/data/,
// plus subset.json with the SHA-256 of each decompressed file, so the page can verify what it
// fetches. The data is generated, never committed.
//
//   npx tsx examples/browser/prepare-data.ts [--train 6000] [--test 1000] [--out examples/browser/public/data]
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { loadFashionMnist, subsetSplit, type FashionMnistChecksums, type FashionMnistSplit } from 'tfjs-fashion-mnist/node';

/** What the page reads from `data/subset.json`. */
export interface DemoDataManifest {
  train: number;
  test: number;
  seed: number;
  checksums: FashionMnistChecksums;
}

export const DEFAULT_DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'public', 'data');

function idxImages(split: FashionMnistSplit): Uint8Array {
  const bytes = new Uint8Array(16 + split.images.length);
  const view = new DataView(bytes.buffer);
  [2051, split.count, split.height, split.width].forEach((value, i) => view.setUint32(i * 4, value));
  bytes.set(split.images, 16);
  return bytes;
}

function idxLabels(split: FashionMnistSplit): Uint8Array {
  const bytes = new Uint8Array(8 + split.count);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 2049);
  view.setUint32(4, split.count);
  bytes.set(split.labels, 8);
  return bytes;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Samples `train` training and `test` test images (seeded) and writes them to `outDir`, replacing
 * the directory as a whole so a half-written set is never served.
 */
export async function prepareDemoData(options: { train?: number; test?: number; seed?: number; outDir?: string } = {}): Promise<DemoDataManifest> {
  const { train: trainCount = 6000, test: testCount = 1000, seed = 7, outDir = DEFAULT_DATA_DIR } = options;
  const data = await loadFashionMnist({ download: false });
  const train = subsetSplit(data.train, { count: trainCount, seed }, 'train');
  const test = subsetSplit(data.test, { count: testCount, seed }, 'test');
  const files: Record<keyof FashionMnistChecksums, [string, Uint8Array]> = {
    trainImages: ['train-images-idx3-ubyte', idxImages(train)],
    trainLabels: ['train-labels-idx1-ubyte', idxLabels(train)],
    testImages: ['t10k-images-idx3-ubyte', idxImages(test)],
    testLabels: ['t10k-labels-idx1-ubyte', idxLabels(test)],
  };
  const checksums = Object.fromEntries(Object.entries(files).map(([role, [, bytes]]) => [role, sha256(bytes)])) as FashionMnistChecksums;
  const manifest: DemoDataManifest = { train: trainCount, test: testCount, seed, checksums };

  const staging = `${outDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const [name, bytes] of Object.values(files)) await writeFile(join(staging, `${name}.gz`), gzipSync(bytes));
  await writeFile(join(staging, 'subset.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { train: { type: 'string' }, test: { type: 'string' }, out: { type: 'string' } } });
  const manifest = await prepareDemoData({
    ...(values.train ? { train: Number(values.train) } : {}),
    ...(values.test ? { test: Number(values.test) } : {}),
    ...(values.out ? { outDir: resolve(values.out) } : {}),
  });
  console.log(`Wrote ${manifest.train} training and ${manifest.test} test images to ${values.out ?? DEFAULT_DATA_DIR}`);
}
