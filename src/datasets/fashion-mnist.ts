import { DatasetUnavailableError, DataVerificationError, FashionMnistError, InvalidArgumentError } from '../errors.js';
import { assertInteger, assertOneOf, isNode } from '../validate.js';
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

/** Options of {@link loadFashionMnist}. Every field is optional. */
export interface LoadFashionMnistOptions {
  /**
   * A directory holding the four IDX files (plain or `.gz`). When set, only this directory is used.
   * Node only.
   * @defaultValue undefined: search `FASHION_MNIST_DIR`, the Keras cache, this library's cache,
   *   `/usr/share/datasets/fashion-mnist`, then download
   */
  dir?: string;
  /**
   * A base URL to fetch the four files from (`<baseUrl>/train-images-idx3-ubyte.gz`, falling back
   * to the name without `.gz`). Works in the browser and in Node; nothing is cached.
   * @defaultValue undefined
   */
  baseUrl?: string;
  /**
   * The places to look, in order, when `dir` is not given. Node only. `'env'` is the
   * `FASHION_MNIST_DIR` environment variable, `'keras'` the Keras cache (`$KERAS_HOME` or
   * `~/.keras`, under `datasets/fashion-mnist`), `'cache'` this library's cache, `'debian'`
   * `/usr/share/datasets/fashion-mnist`, `'download'` the mirrors (into the cache).
   * @defaultValue ['env', 'keras', 'cache', 'debian', 'download']
   */
  sources?: readonly FashionMnistSourceName[];
  /**
   * This library's download cache. Node only.
   * @defaultValue `$XDG_CACHE_HOME/tfjs-fashion-mnist`, else `~/.cache/tfjs-fashion-mnist`
   */
  cacheDir?: string;
  /**
   * Whether to download from `mirrors` when no local copy is found. Node only.
   * @defaultValue true
   */
  download?: boolean;
  /**
   * Base URLs to download from, tried in order for each file.
   * @defaultValue the Keras storage bucket, then Zalando's mirror
   */
  mirrors?: readonly string[];
  /**
   * Expected SHA-256 of each decompressed file, or `false` to skip the check (for other data sets in
   * the same IDX layout). Structure (magic numbers, sizes, counts, labels 0-9) is always checked.
   * @defaultValue the official Fashion-MNIST digests
   */
  checksums?: Partial<FashionMnistChecksums> | false;
  /**
   * Called as download bytes arrive.
   * @defaultValue undefined
   */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * Aborts a download or fetch in progress.
   * @defaultValue undefined
   */
  signal?: AbortSignal;
  /**
   * A download that receives nothing for this many milliseconds fails (and the next mirror is tried).
   * @defaultValue 30000
   */
  idleTimeoutMs?: number;
}

/** A place {@link loadFashionMnist} can look for the data; see {@link LoadFashionMnistOptions.sources}. */
export type FashionMnistSourceName = 'env' | 'keras' | 'cache' | 'debian' | 'download';

const SOURCE_NAMES: readonly FashionMnistSourceName[] = ['env', 'keras', 'cache', 'debian', 'download'];

/** The defaults of {@link LoadFashionMnistOptions} that are plain values. */
export const LOAD_FASHION_MNIST_DEFAULTS = Object.freeze({
  /** Every local source, then the download. */
  sources: SOURCE_NAMES,
  /** Downloads are allowed. */
  download: true,
  /** The Keras bucket, then Zalando's mirror. */
  mirrors: OFFICIAL_MIRRORS,
  /** The official SHA-256 digests. */
  checksums: OFFICIAL_CHECKSUMS,
  /** 30 seconds without data fails a download. */
  idleTimeoutMs: 30_000,
});

/**
 * Loads Fashion-MNIST, like Keras' `fashion_mnist.load_data()`, verified byte for byte.
 *
 * In Node the files are looked for, in order, in `options.dir` (exclusively, when given), the
 * `FASHION_MNIST_DIR` environment variable, the Keras cache (`$KERAS_HOME` or
 * `~/.keras/datasets/fashion-mnist`), this library's cache, and Debian's
 * `/usr/share/datasets/fashion-mnist` (`apt-get install dataset-fashion-mnist`); if none holds all
 * four files they are downloaded into this library's cache, written atomically. With
 * `options.baseUrl` (the browser's way) they are fetched from there instead.
 *
 * Every file is checked: gzip integrity, IDX magic number (2051 images, 2049 labels), 28x28 images,
 * file length, matching image and label counts, labels 0-9 and the SHA-256 of the decompressed
 * content. The result holds the raw uint8 data; see {@link splitToTensors} for training tensors.
 *
 * @param options - Where to look and how to download; see {@link LoadFashionMnistOptions}.
 * @returns The training and test splits, the class names and where the data came from.
 * @throws {@link DataVerificationError} when a file is corrupt or not the official one,
 *   {@link DatasetUnavailableError} when no source has the files, {@link InvalidArgumentError} for
 *   bad options.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from 'tfjs-fashion-mnist';
 *
 * const { train, test, labelNames } = await loadFashionMnist();
 * console.log(train.count, test.count, labelNames[train.labels[0]!]); // 60000 10000 ankle boot
 * ```
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<FashionMnist> {
  const settings = resolveOptions(options);
  const { files, source } =
    options.baseUrl !== undefined
      ? await loadFromUrl(options.baseUrl, settings.checksums, options.signal)
      : await loadFromFileSystem(options, settings);
  return {
    train: assembleSplit(files, 'train'),
    test: assembleSplit(files, 'test'),
    labelNames: FASHION_MNIST_LABELS,
    longLabelNames: FASHION_MNIST_LONG_LABELS,
    source,
  };
}

function resolveOptions(options: LoadFashionMnistOptions): { checksums: FashionMnistChecksums | null; idleTimeoutMs: number } {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  for (const key of ['dir', 'baseUrl', 'cacheDir'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new InvalidArgumentError(`options.${key}`, 'a non-empty string', value);
    }
  }
  if (options.dir !== undefined && options.baseUrl !== undefined) {
    throw new InvalidArgumentError('options.baseUrl', 'left out when options.dir is given (use one source)', options.baseUrl);
  }
  if (options.mirrors !== undefined && (!Array.isArray(options.mirrors) || options.mirrors.length === 0 || !options.mirrors.every((m) => typeof m === 'string'))) {
    throw new InvalidArgumentError('options.mirrors', 'a non-empty array of base URLs', options.mirrors);
  }
  if (options.sources !== undefined) {
    if (!Array.isArray(options.sources)) throw new InvalidArgumentError('options.sources', `an array of ${SOURCE_NAMES.map((n) => `'${n}'`).join(', ')}`, options.sources);
    options.sources.forEach((name, i) => assertOneOf(`options.sources[${i}]`, name, SOURCE_NAMES));
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? LOAD_FASHION_MNIST_DEFAULTS.idleTimeoutMs;
  assertInteger('options.idleTimeoutMs', idleTimeoutMs);
  const checksums = options.checksums === false ? null : { ...OFFICIAL_CHECKSUMS, ...options.checksums };
  if (checksums) {
    for (const [role, digest] of Object.entries(checksums)) {
      if (!/^[0-9a-f]{64}$/.test(digest)) throw new InvalidArgumentError(`options.checksums.${role}`, 'a SHA-256 digest of 64 lowercase hex digits', digest);
    }
  }
  return { checksums, idleTimeoutMs };
}

async function loadFromFileSystem(
  options: LoadFashionMnistOptions,
  settings: { checksums: FashionMnistChecksums | null; idleTimeoutMs: number },
): Promise<{ files: DecodedFile[]; source: FashionMnistSource }> {
  if (!isNode()) {
    throw new FashionMnistError('Reading Fashion-MNIST from the file system needs Node; in the browser pass `options.baseUrl`.');
  }
  const node = await import('./node.js');
  const sources = options.sources ?? LOAD_FASHION_MNIST_DEFAULTS.sources;
  return node.loadFromNode({
    dir: options.dir,
    sources: sources.filter((name): name is Exclude<FashionMnistSourceName, 'download'> => name !== 'download'),
    cacheDir: options.cacheDir ?? node.defaultCacheDir(),
    download: (options.download ?? LOAD_FASHION_MNIST_DEFAULTS.download) && sources.includes('download'),
    mirrors: options.mirrors ?? LOAD_FASHION_MNIST_DEFAULTS.mirrors,
    checksums: settings.checksums,
    onProgress: options.onProgress,
    signal: options.signal,
    idleTimeoutMs: settings.idleTimeoutMs,
  });
}

async function loadFromUrl(
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

function assembleSplit(files: DecodedFile[], split: 'train' | 'test'): FashionMnistSplit {
  const images = files.find((f) => f.spec.split === split && f.spec.kind === 'images')!;
  const labels = files.find((f) => f.spec.split === split && f.spec.kind === 'labels')!;
  if (images.count !== labels.count) {
    throw new DataVerificationError(labels.location, `the number of labels (matching ${images.location})`, images.count, labels.count);
  }
  return { images: images.data, labels: labels.data, count: images.count, height: 28, width: 28 };
}
