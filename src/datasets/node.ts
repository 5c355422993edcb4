// Node-only half of the loader: its options and where it looks (a given folder, the environment,
// the Keras cache, this library's cache, Debian's package), reading local files (node-files.ts) and
// the cache and its downloads (node-cache.ts). Reached only from the Node entry (src/node.ts), so
// browser bundles of the library never pull in node:fs or node:zlib.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DatasetUnavailableError, InvalidArgumentError } from '../errors.js';
import { assertBoolean, assertOneOf, assertString, describeOneOf, invalid, type OptionNames, resolveOptions } from '../validate.js';
import type { DecodedFile } from './decode.js';
import {
  assembleDataset,
  fetchFiles,
  LOAD_FASHION_MNIST_DEFAULTS,
  resolveBaseUrl,
  resolveChecksums,
  resolveTransferSettings,
  type FashionMnist,
  type FashionMnistSourceName,
  type LoadFashionMnistOptions,
} from './fashion-mnist.js';
import { FILE_SPECS } from './files.js';
import { downloadAll, readCache, type CacheSettings } from './node-cache.js';
import { allInOrder, findPaths, nodeGunzip, readLocal } from './node-files.js';
import type { FashionMnistSource } from './types.js';

export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Options of the Node entry's {@link loadFashionMnist}. Every field is optional: without any, the
 * data is looked for in the usual places and downloaded when missing.
 */
export interface NodeLoadFashionMnistOptions extends Partial<LoadFashionMnistOptions> {
  /**
   * A directory holding the four IDX files (plain or `.gz`). When set, only this directory is used.
   * @defaultValue undefined: search `FASHION_MNIST_DIR`, the Keras cache, this library's cache,
   *   `/usr/share/datasets/fashion-mnist`, then download
   */
  dir?: string;
  /**
   * The places to look, in order, when neither `dir` nor `baseUrl` is given. `'env'` is the
   * `FASHION_MNIST_DIR` environment variable, `'keras'` the Keras cache (`$KERAS_HOME` or
   * `~/.keras`, under `datasets/fashion-mnist`), `'cache'` this library's cache, `'debian'`
   * `/usr/share/datasets/fashion-mnist`, `'download'` the mirrors (into the cache).
   * @defaultValue ['env', 'keras', 'cache', 'debian', 'download']
   */
  sources?: readonly FashionMnistSourceName[];
  /**
   * This library's download cache. The library repairs it: a cached file that fails verification
   * is renamed to `<name>.corrupt-<timestamp>` (a `FashionMnistCacheWarning` is emitted with
   * `process.emitWarning`) and the next source is tried; `.part` files left by an interrupted
   * download are removed by the next download once their process is gone (in this PID namespace)
   * or, for a download in another container or on another host, once not written to for 15 minutes:
   * a live download's file is never removed.
   * @defaultValue `$XDG_CACHE_HOME/tfjs-fashion-mnist`, else `~/.cache/tfjs-fashion-mnist`
   */
  cacheDir?: string;
  /**
   * Whether to download from `mirrors` when no local copy is found.
   * @defaultValue true
   */
  download?: boolean;
  /**
   * Base URLs (absolute, http or https) to download from, tried in order for each file: an HTTP
   * error, a broken or stalled connection, an oversized body or a file that fails verification
   * moves on to the next one. To try your own mirror first, pass it followed by the defaults.
   * @defaultValue `['https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
   *   'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/']` (the Keras storage bucket, then
   *   Zalando's mirror)
   */
  mirrors?: readonly string[];
}

/**
 * Loads Fashion-MNIST in Node, like Keras' `fashion_mnist.load_data()`, verified byte for byte.
 *
 * The files are looked for, in order, in `options.dir` (exclusively, when given), the
 * `FASHION_MNIST_DIR` environment variable, the Keras cache (`$KERAS_HOME` or
 * `~/.keras/datasets/fashion-mnist`), this library's cache, and Debian's
 * `/usr/share/datasets/fashion-mnist` (`apt-get install dataset-fashion-mnist`); if none holds all
 * four files they are downloaded into this library's cache, written atomically. With
 * `options.baseUrl` they are fetched from there instead, as the platform-neutral loader does.
 *
 * Every file is checked: gzip integrity, IDX magic number (2051 images, 2049 labels), 28x28 images,
 * file length, matching image and label counts, labels 0-9 and the SHA-256 of the decompressed
 * content. The result holds the raw uint8 data; see {@link splitToTensors} for training tensors.
 *
 * Limits: a file is never read or inflated past what it can legitimately be. An official file must
 * announce its official count in its IDX header and inflating stops one byte past its official
 * size (47,040,016 / 60,008 / 7,840,016 / 10,008 bytes); another data set's file (`checksums` not
 * the official digests) may announce at most 1,000,000 items and is bounded by its header, checked
 * before the body is inflated. A local file larger than `size + size/8 + 1 MiB` on disk (`size`
 * being the most its decompressed content may be) is refused before it is read, and so is a
 * download whose Content-Length or streamed body exceeds that. Each download (one file from one
 * mirror) has an idle timeout (`idleTimeoutMs`) and an overall deadline (`timeoutMs`).
 *
 * A file of this library's cache that fails verification is moved aside and the next source is
 * tried; files elsewhere (`dir`, `FASHION_MNIST_DIR`, the Keras cache, Debian's) are never
 * modified and their failure ends the load.
 *
 * @param options - Where to look and how to download; see {@link NodeLoadFashionMnistOptions}.
 * @returns The training and test splits, the class names and where the data came from.
 * @throws {@link DataVerificationError} when a file is corrupt, too large or not the official one
 *   (naming it), {@link DatasetUnavailableError} when a file cannot be read or no source has the
 *   files (its `cause` holds each mirror's {@link DownloadError}), {@link InvalidArgumentError} for
 *   bad options, the signal's reason when `options.signal` aborts, and whatever `onProgress` throws.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const { train, test, labelNames } = await loadFashionMnist();
 * console.log(train.count, test.count, labelNames[train.labels[0]!]); // 60000 10000 ankle boot
 * ```
 */
export async function loadFashionMnist(options: NodeLoadFashionMnistOptions = {}): Promise<FashionMnist> {
  const settings = resolveNodeOptions(options);
  settings.signal?.throwIfAborted();
  if (options.baseUrl !== undefined) return assembleDataset(await fetchFiles(resolveBaseUrl(options.baseUrl), settings, nodeGunzip));
  return assembleDataset(await loadFromNode(settings));
}

const NODE_LOAD_OPTIONS: OptionNames<NodeLoadFashionMnistOptions> = {
  dir: true,
  sources: true,
  cacheDir: true,
  download: true,
  mirrors: true,
  baseUrl: true,
  checksums: true,
  signal: true,
  onProgress: true,
  idleTimeoutMs: true,
  timeoutMs: true,
};

function resolveNodeOptions(given: NodeLoadFashionMnistOptions): NodeLoadSettings {
  const options = resolveOptions('options', given, LOAD_FASHION_MNIST_DEFAULTS, NODE_LOAD_OPTIONS);
  for (const key of ['dir', 'baseUrl', 'cacheDir'] as const) {
    if (options[key] !== undefined) assertString(`options.${key}`, options[key]);
  }
  if (options.dir !== undefined && options.baseUrl !== undefined) {
    throw invalid('options.baseUrl', options.baseUrl, 'left out when options.dir is given (use one source)');
  }
  if (options.baseUrl !== undefined) resolveBaseUrl(options.baseUrl);
  assertMirrors(options.mirrors);
  const names = LOAD_FASHION_MNIST_DEFAULTS.sources;
  const { sources } = options;
  if (!Array.isArray(sources)) throw invalid('options.sources', sources, `an array of ${describeOneOf(names).replace(/^one of /, '')}`);
  sources.forEach((name, i) => assertOneOf(`options.sources[${i}]`, name, names));
  assertBoolean('options.download', options.download);
  return {
    ...resolveTransferSettings(options),
    dir: options.dir,
    sources: sources.filter((name): name is LocalSource => name !== 'download'),
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    download: options.download && sources.includes('download'),
    mirrors: options.mirrors,
    checksums: resolveChecksums(options.checksums),
  };
}

/** Mirrors are checked up front, so that a typo fails at once rather than as a failed download. */
function assertMirrors(mirrors: unknown): asserts mirrors is readonly string[] {
  if (!Array.isArray(mirrors) || mirrors.length === 0 || !mirrors.every((m) => typeof m === 'string')) {
    throw invalid('options.mirrors', mirrors, 'a non-empty array of base URLs');
  }
  mirrors.forEach((mirror: string, i) => {
    let protocol = '';
    try {
      protocol = new URL(mirror).protocol;
    } catch {
      // Reported below, as for another protocol.
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw invalid(`options.mirrors[${i}]`, mirror, 'an absolute http or https URL');
  });
}

interface NodeLoadSettings extends CacheSettings {
  dir: string | undefined;
  sources: readonly LocalSource[];
  download: boolean;
}

type LocalSource = 'env' | 'keras' | 'cache' | 'debian';

interface Candidate {
  kind: FashionMnistSource['kind'];
  dir: string;
}

/** The library's own cache: $XDG_CACHE_HOME/tfjs-fashion-mnist, else ~/.cache/tfjs-fashion-mnist. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tfjs-fashion-mnist');
}

function candidates(settings: NodeLoadSettings): Candidate[] {
  if (settings.dir !== undefined) return [{ kind: 'dir', dir: settings.dir }];
  const list: Candidate[] = [];
  for (const kind of settings.sources) {
    if (kind === 'env') {
      const fromEnv = process.env.FASHION_MNIST_DIR;
      if (fromEnv) list.push({ kind, dir: fromEnv });
    } else if (kind === 'keras') {
      const kerasHome = process.env.KERAS_HOME || join(homedir(), '.keras');
      list.push({ kind, dir: join(kerasHome, 'datasets', 'fashion-mnist') });
    } else {
      list.push({ kind, dir: kind === 'cache' ? settings.cacheDir : DEBIAN_DIR });
    }
  }
  return list;
}

/** Finds the first complete local source, else downloads into the cache; returns the verified files. */
async function loadFromNode(settings: NodeLoadSettings): Promise<{ files: DecodedFile[]; source: FashionMnistSource }> {
  const searched = candidates(settings);
  for (const candidate of searched) {
    const paths = await findPaths(candidate.dir, candidate.kind === 'dir');
    if (paths.some((p) => p === undefined)) {
      if (candidate.kind === 'dir') throw missingFiles(candidate.dir, paths);
      continue;
    }
    const found = paths as string[];
    const files = candidate.kind === 'cache' ? await readCache(found, settings) : await allInOrder(FILE_SPECS.map((spec, i) => readLocal(spec, found[i]!, settings)));
    if (files) return { files, source: { kind: candidate.kind, location: candidate.dir } };
  }
  if (!settings.download) {
    throw new DatasetUnavailableError(
      `Fashion-MNIST was not found in ${searched.map((c) => c.dir).join(', ') || 'any local source'} and downloading is turned off (options.download is false or options.sources leaves out 'download').`,
    );
  }
  return { files: await downloadAll(settings), source: { kind: 'download', location: settings.cacheDir } };
}

function missingFiles(dir: string, paths: Array<string | undefined>): DatasetUnavailableError {
  const missing = FILE_SPECS.filter((_, i) => paths[i] === undefined).map((s) => s.name);
  return new DatasetUnavailableError(
    `not all four Fashion-MNIST files are in this folder (\`options.dir\`): ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (plain or .gz)`,
    { file: dir },
  );
}
