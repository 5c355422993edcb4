import { DatasetUnavailableError, DataVerificationError, DownloadError, InvalidArgumentError } from '../errors.js';
import { assertFunction, assertInteger, assertObject, assertString, invalid, type OptionNames, resolveOptions } from '../validate.js';
import { createAssembler, decodeStream, maxGzipLength, streamGunzip, type DecodedFile, type Gunzip } from './decode.js';
import {
  FASHION_MNIST_LABELS,
  FASHION_MNIST_LONG_LABELS,
  FILE_SPECS,
  OFFICIAL_CHECKSUMS,
  OFFICIAL_MIRRORS,
  type FashionMnistChecksums,
  type FileSpec,
} from './files.js';
import { Transfer, unwrapFinal, type TransferSettings } from './transfer.js';
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
   * the same IDX layout); an object naming some of the files keeps the official digests of the
   * others. Structure (magic numbers, sizes, counts, labels 0-9) is always checked.
   * @defaultValue the official Fashion-MNIST digests
   */
  checksums?: Partial<FashionMnistChecksums> | false;
  /**
   * Aborts the load; the promise rejects with the signal's own reason (by default a `DOMException`
   * named `AbortError`), never wrapped, and no other mirror or URL is tried.
   * @defaultValue undefined
   */
  signal?: AbortSignal;
  /**
   * Called as download bytes arrive. If it throws, the load stops at once and rejects with that
   * error (no other mirror or URL is tried).
   * @defaultValue undefined
   */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * A download that receives nothing for this many milliseconds fails (and, in Node, the next
   * mirror is tried). At most 2147483647.
   * @defaultValue 30000 (30 seconds)
   */
  idleTimeoutMs?: number;
  /**
   * The most milliseconds one download (one file from one mirror or URL, from the request to the
   * last byte) may take, however steadily bytes arrive. At most 2147483647.
   * @defaultValue 600000 (10 minutes)
   */
  timeoutMs?: number;
}

/** A place the Node entry's `loadFashionMnist` can look for the data, in the order of its `sources` option. */
export type FashionMnistSourceName = 'env' | 'keras' | 'cache' | 'debian' | 'download';

/**
 * The defaults of the loader's options that are plain values (shared by both entries); the download
 * settings are also `loadPretrainedModel`'s.
 */
export const LOAD_FASHION_MNIST_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Every local source, then the download (Node entry). */
  sources: /* @__PURE__ */ Object.freeze(['env', 'keras', 'cache', 'debian', 'download'] as const) as readonly FashionMnistSourceName[],
  /** Downloads are allowed (Node entry). */
  download: true,
  /** The Keras bucket, then Zalando's mirror (Node entry). */
  mirrors: OFFICIAL_MIRRORS,
  /** The official SHA-256 digests. */
  checksums: OFFICIAL_CHECKSUMS,
  /** 30 seconds without data fails a download. */
  idleTimeoutMs: 30_000,
  /** 10 minutes at most for one download. */
  timeoutMs: 600_000,
});

const LOAD_OPTIONS: OptionNames<LoadFashionMnistOptions> = { baseUrl: true, checksums: true, signal: true, onProgress: true, idleTimeoutMs: true, timeoutMs: true };

/** The longest delay `setTimeout` honours (about 24.8 days); longer ones fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

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
 * Limits: nothing larger than a file can legitimately be is read or inflated. An official file
 * must announce its official count in its IDX header, and inflating stops one byte past its
 * official size (47,040,016 / 60,008 / 7,840,016 / 10,008 bytes); another data set's file
 * (`checksums` not the official digests) may announce at most 1,000,000 items and is bounded by
 * its header, checked before its body is inflated. A response whose Content-Length or streamed
 * body exceeds `size + size/8 + 1 MiB` (`size` being the most the decompressed file may be) is
 * refused. Each download has an idle timeout (`idleTimeoutMs`) and a deadline (`timeoutMs`).
 *
 * @param options - Where to fetch from and what to expect; see {@link LoadFashionMnistOptions}.
 * @returns The training and test splits, the class names and where the data came from.
 * @throws {@link DataVerificationError} when a file is corrupt, too large or not the official one,
 *   {@link DatasetUnavailableError} when a file cannot be fetched (its `cause` is an
 *   `AggregateError` of {@link DownloadError}s naming each URL), {@link InvalidArgumentError} for
 *   bad options, the signal's reason when `options.signal` aborts, and whatever `onProgress` throws.
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
  assertObject('options', options, 'an object with a `baseUrl`');
  const resolved = resolveOptions('options', options, LOAD_FASHION_MNIST_DEFAULTS, LOAD_OPTIONS);
  const base = resolveBaseUrl(resolved.baseUrl);
  const settings = { ...resolveTransferSettings(resolved), checksums: resolveChecksums(resolved.checksums) };
  return assembleDataset(await fetchFiles(base, settings));
}

/** The base URL as a URL ending in `/`, resolved against the page's address in a browser. */
export function resolveBaseUrl(baseUrl: unknown): URL {
  assertString('options.baseUrl', baseUrl);
  try {
    return new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, globalThis.location?.href);
  } catch {
    throw invalid('options.baseUrl', baseUrl, 'a URL (absolute, or relative to the page in a browser)');
  }
}

/** The download settings shared by both entries, checked; `options` has the defaults applied. */
export function resolveTransferSettings(options: Pick<LoadFashionMnistOptions, 'signal' | 'onProgress'> & { idleTimeoutMs: number; timeoutMs: number }): TransferSettings {
  const { idleTimeoutMs, timeoutMs, onProgress, signal } = options;
  assertInteger('options.idleTimeoutMs', idleTimeoutMs, { min: 1, max: MAX_TIMEOUT_MS, note: 'milliseconds' });
  assertInteger('options.timeoutMs', timeoutMs, { min: 1, max: MAX_TIMEOUT_MS, note: 'milliseconds' });
  if (onProgress !== undefined) assertFunction('options.onProgress', onProgress);
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function')) {
    throw invalid('options.signal', signal, 'an AbortSignal');
  }
  return { signal, idleTimeoutMs, timeoutMs, onProgress };
}

/** The digests to check (official ones overridden by the caller's), or null to skip the check. */
export function resolveChecksums(checksums: Partial<FashionMnistChecksums> | false | undefined): FashionMnistChecksums | null {
  if (checksums === false) return null;
  const merged = { ...OFFICIAL_CHECKSUMS, ...checksums };
  for (const [role, digest] of Object.entries(merged)) {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw invalid(`options.checksums.${role}`, digest, 'a SHA-256 digest of 64 lowercase hex digits');
  }
  return merged;
}

/**
 * Fetches and verifies the four files from `base`, in parallel; the first failure cancels the
 * others. Each file is tried as `<name>.gz`, then (after an HTTP error status only) as `<name>`.
 */
export async function fetchFiles(
  base: URL,
  settings: TransferSettings & { checksums: FashionMnistChecksums | null },
  gunzip: Gunzip = streamGunzip,
): Promise<{ files: DecodedFile[]; source: FashionMnistSource }> {
  settings.signal?.throwIfAborted();
  const stop = new AbortController();
  try {
    const files = await Promise.all(
      FILE_SPECS.map((spec) =>
        fetchFile(base, spec, settings, gunzip, stop.signal).catch((error: unknown) => {
          stop.abort(new DOMException('Another file failed.', 'AbortError'));
          throw error;
        }),
      ),
    );
    settings.signal?.throwIfAborted();
    return { files, source: { kind: 'url', location: base.href } };
  } catch (error) {
    throw unwrapFinal(error);
  }
}

async function fetchFile(
  base: URL,
  spec: FileSpec,
  settings: TransferSettings & { checksums: FashionMnistChecksums | null },
  gunzip: Gunzip,
  stop: AbortSignal,
): Promise<DecodedFile> {
  const failures: DownloadError[] = [];
  for (const name of [`${spec.name}.gz`, spec.name]) {
    const url = new URL(name, base).href;
    const transfer = new Transfer(url, spec.name, settings, stop);
    try {
      const response = await transfer.response();
      if (!response.ok) {
        response.body?.cancel().catch(() => undefined);
        failures.push(transfer.error(`HTTP ${response.status} ${response.statusText}`.trim()));
        continue;
      }
      const assembler = createAssembler(spec, url, settings.checksums);
      return await decodeStream(spec, transfer.body(response, () => maxGzipLength(assembler.maxLength)), url, settings.checksums, gunzip, assembler);
    } catch (error) {
      // A broken connection or a timeout: the plain name would fare no better.
      if (!(error instanceof DownloadError)) throw error;
      failures.push(error);
      break;
    } finally {
      transfer.close();
    }
  }
  const reasons = failures.map((e) => e.message.replace(/\.$/, '')).join('; ');
  throw new DatasetUnavailableError(`Could not fetch ${spec.name} from \`options.baseUrl\` (${reasons}).`, { cause: new AggregateError(failures) });
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
    throw new DataVerificationError(`the number of labels (matching ${images.location})`, { file: labels.location, expected: images.count, actual: labels.count });
  }
  return { images: images.data, labels: labels.data, count: images.count, height: 28, width: 28 };
}
