// Node-only half of the loader: local directories, the caches and downloads. Reached only from the
// Node entry (src/node.ts), so browser bundles of the library never pull in node:fs or node:zlib.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
import { DatasetUnavailableError, DownloadError, InvalidArgumentError } from '../errors.js';
import { assertInteger, assertOneOf } from '../validate.js';
import { decodeFile, type DecodedFile, type Gunzip } from './decode.js';
import {
  assembleDataset,
  assertNonEmptyString,
  fetchFiles,
  LOAD_FASHION_MNIST_DEFAULTS,
  resolveChecksums,
  type FashionMnist,
  type FashionMnistSourceName,
  type LoadFashionMnistOptions,
} from './fashion-mnist.js';
import { FILE_SPECS, type FashionMnistChecksums, type FileSpec } from './files.js';
import type { DownloadProgress, FashionMnistSource } from './types.js';

const gunzipAsync = promisify(zlibGunzip);
/** node:zlib is about twice as fast as DecompressionStream here, and runs off the main thread. */
const nodeGunzip: Gunzip = async (bytes) => new Uint8Array(await gunzipAsync(bytes));

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
   * This library's download cache.
   * @defaultValue `$XDG_CACHE_HOME/tfjs-fashion-mnist`, else `~/.cache/tfjs-fashion-mnist`
   */
  cacheDir?: string;
  /**
   * Whether to download from `mirrors` when no local copy is found.
   * @defaultValue true
   */
  download?: boolean;
  /**
   * Base URLs to download from, tried in order for each file.
   * @defaultValue the Keras storage bucket, then Zalando's mirror
   */
  mirrors?: readonly string[];
  /**
   * Called as download bytes arrive.
   * @defaultValue undefined
   */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * A download that receives nothing for this many milliseconds fails (and the next mirror is tried).
   * @defaultValue 30000
   */
  idleTimeoutMs?: number;
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
 * @param options - Where to look and how to download; see {@link NodeLoadFashionMnistOptions}.
 * @returns The training and test splits, the class names and where the data came from.
 * @throws {@link DataVerificationError} when a file is corrupt or not the official one,
 *   {@link DatasetUnavailableError} when no source has the files, {@link InvalidArgumentError} for
 *   bad options.
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
  if (options.baseUrl !== undefined) return assembleDataset(await fetchFiles(options.baseUrl, settings.checksums, options.signal));
  return assembleDataset(await loadFromNode(settings));
}

function resolveNodeOptions(options: NodeLoadFashionMnistOptions): NodeLoadSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object', options);
  for (const key of ['dir', 'baseUrl', 'cacheDir'] as const) {
    if (options[key] !== undefined) assertNonEmptyString(`options.${key}`, options[key]);
  }
  if (options.dir !== undefined && options.baseUrl !== undefined) {
    throw new InvalidArgumentError('options.baseUrl', 'left out when options.dir is given (use one source)', options.baseUrl);
  }
  if (options.mirrors !== undefined && (!Array.isArray(options.mirrors) || options.mirrors.length === 0 || !options.mirrors.every((m) => typeof m === 'string'))) {
    throw new InvalidArgumentError('options.mirrors', 'a non-empty array of base URLs', options.mirrors);
  }
  const names = LOAD_FASHION_MNIST_DEFAULTS.sources;
  if (options.sources !== undefined) {
    if (!Array.isArray(options.sources)) throw new InvalidArgumentError('options.sources', `an array of ${names.map((n) => `'${n}'`).join(', ')}`, options.sources);
    options.sources.forEach((name, i) => assertOneOf(`options.sources[${i}]`, name, names));
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? LOAD_FASHION_MNIST_DEFAULTS.idleTimeoutMs;
  assertInteger('options.idleTimeoutMs', idleTimeoutMs);
  const sources = options.sources ?? names;
  return {
    dir: options.dir,
    sources: sources.filter((name): name is LocalSource => name !== 'download'),
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    download: (options.download ?? LOAD_FASHION_MNIST_DEFAULTS.download) && sources.includes('download'),
    mirrors: options.mirrors ?? LOAD_FASHION_MNIST_DEFAULTS.mirrors,
    checksums: resolveChecksums(options.checksums),
    onProgress: options.onProgress,
    signal: options.signal,
    idleTimeoutMs,
  };
}

interface NodeLoadSettings {
  dir: string | undefined;
  sources: readonly LocalSource[];
  cacheDir: string;
  download: boolean;
  mirrors: readonly string[];
  checksums: FashionMnistChecksums | null;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  idleTimeoutMs: number;
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

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The path of a file in `dir`, plain IDX preferred over .gz, or undefined. */
async function findFile(dir: string, spec: FileSpec): Promise<string | undefined> {
  for (const name of [spec.name, `${spec.name}.gz`]) {
    const path = join(dir, name);
    if (await isFile(path)) return path;
  }
  return undefined;
}

async function findAll(dir: string): Promise<string[] | undefined> {
  const paths = await Promise.all(FILE_SPECS.map((spec) => findFile(dir, spec)));
  return paths.every((p) => p !== undefined) ? (paths as string[]) : undefined;
}

async function readLocal(spec: FileSpec, path: string, checksums: FashionMnistChecksums | null): Promise<DecodedFile> {
  return decodeFile(spec, new Uint8Array(await readFile(path)), path, checksums, nodeGunzip);
}

/** Finds the first complete local source, else downloads into the cache; returns the verified files. */
async function loadFromNode(settings: NodeLoadSettings): Promise<{ files: DecodedFile[]; source: FashionMnistSource }> {
  const searched = candidates(settings);
  for (const candidate of searched) {
    const paths = await findAll(candidate.dir);
    if (!paths) continue;
    const files = await Promise.all(FILE_SPECS.map((spec, i) => readLocal(spec, paths[i]!, settings.checksums)));
    return { files, source: { kind: candidate.kind, location: candidate.dir } };
  }
  if (settings.dir !== undefined) {
    const names = FILE_SPECS.map((s) => s.name).join(', ');
    throw new DatasetUnavailableError(`Directory \`options.dir\` (${settings.dir}) does not contain all four Fashion-MNIST files (${names}, plain or .gz).`);
  }
  if (!settings.download) {
    throw new DatasetUnavailableError(
      `Fashion-MNIST was not found in ${searched.map((c) => c.dir).join(', ') || 'any local source'} and downloading is turned off (options.download is false or options.sources leaves out 'download').`,
    );
  }
  await mkdir(settings.cacheDir, { recursive: true });
  const files: DecodedFile[] = [];
  // One file at a time, so that progress reads naturally and a failing mirror fails fast.
  for (const spec of FILE_SPECS) {
    const cached = await findFile(settings.cacheDir, spec);
    files.push(cached ? await readLocal(spec, cached, settings.checksums) : await downloadFile(spec, settings));
  }
  return { files, source: { kind: 'download', location: settings.cacheDir } };
}

async function downloadFile(spec: FileSpec, settings: NodeLoadSettings): Promise<DecodedFile> {
  const failures: unknown[] = [];
  for (const mirror of settings.mirrors) {
    const url = new URL(`${spec.name}.gz`, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
    try {
      return await downloadFrom(url, spec, settings);
    } catch (error) {
      if (settings.signal?.aborted) throw error;
      failures.push(error);
    }
  }
  const reasons = failures.map((e) => (e as Error).message.replace(/\.$/, '')).join('; ');
  throw new DatasetUnavailableError(`Could not download ${spec.name}.gz from any mirror (${reasons}).`, { cause: new AggregateError(failures) });
}

/**
 * Streams one file to a temporary name in the cache, verifies it, and only then renames it into
 * place: an interrupted, truncated or corrupt download leaves nothing behind.
 */
async function downloadFrom(url: string, spec: FileSpec, settings: NodeLoadSettings): Promise<DecodedFile> {
  const finalPath = join(settings.cacheDir, `${spec.name}.gz`);
  const tempPath = join(settings.cacheDir, `.${spec.name}.gz.${process.pid}.${randomUUID()}.part`);
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), settings.idleTimeoutMs);
  const resetTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), settings.idleTimeoutMs);
  };
  const signal = settings.signal ? AbortSignal.any([settings.signal, idle.signal]) : idle.signal;
  const handle = await open(tempPath, 'wx');
  try {
    const response = await fetch(url, { signal });
    if (!response.ok || !response.body) throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`.trim());
    const total = Number(response.headers.get('content-length')) || undefined;
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    try {
      const reader = response.body.getReader();
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        const chunk = part.value;
        resetTimer();
        chunks.push(chunk);
        loaded += chunk.length;
        await handle.write(chunk);
        settings.onProgress?.({ file: spec.name, url, loaded, total });
      }
    } catch (error) {
      if (idle.signal.aborted) throw new DownloadError(url, `no data received for ${settings.idleTimeoutMs} ms`, { cause: error });
      throw new DownloadError(url, `connection failed after ${loaded} bytes (${(error as Error).message})`, { cause: error });
    }
    if (total !== undefined && loaded !== total) throw new DownloadError(url, `received ${loaded} of ${total} bytes`);
    await handle.sync();
    await handle.close();
    const decoded = await decodeFile(spec, Buffer.concat(chunks), url, settings.checksums, nodeGunzip);
    await rename(tempPath, finalPath);
    return { ...decoded, location: url };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
