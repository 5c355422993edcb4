import { DatasetUnavailableError, DataVerificationError, InvalidArgumentError } from '../errors.js';
import { decodeFile, streamGunzip, type DecodedFile } from './decode.js';
import {
  FASHION_MNIST_LABELS,
  FASHION_MNIST_LONG_LABELS,
  FILE_SPECS,
  OFFICIAL_CHECKSUMS,
  OFFICIAL_MIRRORS,
  type FashionMnistChecksums,
} from './files.js';
import type { DownloadProgress, FashionMnistSource } from './types.js';

/** One split of Fashion-MNIST exactly as the IDX files hold it: uint8 pixels, no scaling. */
export interface FashionMnistSplit {
  /** `count * 28 * 28` pixel values 0-255, image after image, each row-major (Keras order). */
  images: Uint8Array;
  /** `count` class indices 0-9. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  /** Image height in pixels (28). */
  height: number;
  /** Image width in pixels (28). */
  width: number;
}

/** What {@link loadFashionMnist} resolves to. */
export interface FashionMnist {
  /** The 60,000 training images. */
  train: FashionMnistSplit;
  /** The 10,000 test images. */
  test: FashionMnistSplit;
  /** The tutorial's class names ("top", "trouser", …), index = label. */
  labelNames: readonly string[];
  /** The official class names ("T-shirt/top", "Trouser", …), index = label. */
  longLabelNames: readonly string[];
  /** Where the files came from. */
  source: FashionMnistSource;
}

/**
 * Options of {@link loadFashionMnist} in the platform-neutral entry, which fetches the four files
 * from a URL. The Node entry (`tfjs-fashion-mnist/node`) adds local folders, caches and downloads
 * (see its `NodeLoadFashionMnistOptions`).
 */
export interface LoadFashionMnistOptions {
  /**
   * The base URL the four files are served from (`<baseUrl>/train-images-idx3-ubyte.gz`, falling
   * back to the name without `.gz`), resolved against the page's address in a browser. Nothing is
   * cached.
   */
  baseUrl: string;
  /**
   * Expected SHA-256 of each decompressed file, or `false` to skip the check (for other data sets in
   * the same IDX layout). Structure (magic numbers, sizes, counts, labels 0-9) is always checked.
   * @defaultValue the official Fashion-MNIST digests
   */
  checksums?: Partial<FashionMnistChecksums> | false;
  /**
   * Aborts a fetch or download in progress; the promise rejects with the signal's reason.
   * @defaultValue undefined
   */
  signal?: AbortSignal;
}

/** A place the Node entry's `loadFashionMnist` can look for the data, in the order of its `sources` option. */
export type FashionMnistSourceName = 'env' | 'keras' | 'cache' | 'debian' | 'download';

/** The defaults of the loader's options that are plain values (shared by both entries). */
export const LOAD_FASHION_MNIST_DEFAULTS = Object.freeze({
  /** Every local source, then the download (Node entry). */
  sources: Object.freeze(['env', 'keras', 'cache', 'debian', 'download'] as const) as readonly FashionMnistSourceName[],
  /** Downloads are allowed (Node entry). */
  download: true,
  /** The Keras bucket, then Zalando's mirror (Node entry). */
  mirrors: OFFICIAL_MIRRORS,
  /** The official SHA-256 digests. */
  checksums: OFFICIAL_CHECKSUMS,
  /** 30 seconds without data fails a download (Node entry). */
  idleTimeoutMs: 30_000,
});

/**
 * Loads Fashion-MNIST from a URL, like Keras' `fashion_mnist.load_data()`, verified byte for byte:
 * the platform-neutral loader, for browsers and any runtime with `fetch`. In Node, import
 * `loadFashionMnist` from `tfjs-fashion-mnist/node` instead: it also reads local folders, Debian's
 * package and the caches, and downloads from the official mirrors.
 *
 * Every file is checked: gzip integrity, IDX magic number (2051 images, 2049 labels), 28x28 images,
 * file length, matching image and label counts, labels 0-9 and the SHA-256 of the decompressed
 * content. The result holds the raw uint8 data; see {@link splitToTensors} for training tensors.
 *
 * @param options - Where to fetch from and what to expect; see {@link LoadFashionMnistOptions}.
 * @returns The training and test splits, the class names and where the data came from.
 * @throws {@link DataVerificationError} when a file is corrupt or not the official one,
 *   {@link DatasetUnavailableError} when a file cannot be fetched, {@link InvalidArgumentError} for
 *   bad options.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from 'tfjs-fashion-mnist';
 *
 * const { train, test, labelNames } = await loadFashionMnist({ baseUrl: 'data/' });
 * console.log(train.count, test.count, labelNames[train.labels[0]!]); // 60000 10000 ankle boot
 * ```
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions): Promise<FashionMnist> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with a `baseUrl`', options);
  assertNonEmptyString('options.baseUrl', options.baseUrl);
  const checksums = resolveChecksums(options.checksums);
  return assembleDataset(await fetchFiles(options.baseUrl, checksums, options.signal));
}

/** Throws unless `value` is a non-empty string. */
export function assertNonEmptyString(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(argument, 'a non-empty string', value);
}

/** The digests to check (official ones overridden by the caller's), or null to skip the check. */
export function resolveChecksums(checksums: Partial<FashionMnistChecksums> | false | undefined): FashionMnistChecksums | null {
  if (checksums === false) return null;
  const merged = { ...OFFICIAL_CHECKSUMS, ...checksums };
  for (const [role, digest] of Object.entries(merged)) {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new InvalidArgumentError(`options.checksums.${role}`, 'a SHA-256 digest of 64 lowercase hex digits', digest);
  }
  return merged;
}

/** Fetches and verifies the four files from `baseUrl`. */
export async function fetchFiles(
  baseUrl: string,
  checksums: FashionMnistChecksums | null,
  signal: AbortSignal | undefined,
): Promise<{ files: DecodedFile[]; source: FashionMnistSource }> {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, globalThis.location?.href);
  const files = await Promise.all(
    FILE_SPECS.map(async (spec) => {
      const failures: string[] = [];
      for (const name of [`${spec.name}.gz`, spec.name]) {
        const url = new URL(name, base).href;
        const response = await fetch(url, signal ? { signal } : {});
        if (response.ok) return decodeFile(spec, new Uint8Array(await response.arrayBuffer()), url, checksums, streamGunzip);
        failures.push(`${url}: HTTP ${response.status}`);
      }
      throw new DatasetUnavailableError(`Could not fetch ${spec.name} from \`options.baseUrl\` (${failures.join('; ')}).`);
    }),
  );
  return { files, source: { kind: 'url', location: base.href } };
}

/** The loader's result from four verified files. */
export function assembleDataset({ files, source }: { files: DecodedFile[]; source: FashionMnistSource }): FashionMnist {
  return {
    train: assembleSplit(files, 'train'),
    test: assembleSplit(files, 'test'),
    labelNames: FASHION_MNIST_LABELS,
    longLabelNames: FASHION_MNIST_LONG_LABELS,
    source,
  };
}

function assembleSplit(files: DecodedFile[], split: 'train' | 'test'): FashionMnistSplit {
  const images = files.find((f) => f.spec.split === split && f.spec.kind === 'images')!;
  const labels = files.find((f) => f.spec.split === split && f.spec.kind === 'labels')!;
  if (images.count !== labels.count) {
    throw new DataVerificationError(labels.location, `the number of labels (matching ${images.location})`, images.count, labels.count);
  }
  return { images: images.data, labels: labels.data, count: images.count, height: 28, width: 28 };
}
