// Node-only half of the loader: local directories, the caches and downloads. Reached only from the
// Node entry (src/node.ts), so browser bundles of the library never pull in node:fs or node:zlib.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DatasetUnavailableError, DataVerificationError, DownloadError, InvalidArgumentError } from '../errors.js';
import { assertOneOf } from '../validate.js';
import { createAssembler, decodeStream, maxGzipLength, type DecodedFile, type Gunzip } from './decode.js';
import {
  assembleDataset,
  assertNonEmptyString,
  fetchFiles,
  LOAD_FASHION_MNIST_DEFAULTS,
  resolveBaseUrl,
  resolveChecksums,
  resolveTransferSettings,
  type FashionMnist,
  type FashionMnistSourceName,
  type LoadFashionMnistOptions,
} from './fashion-mnist.js';
import { FILE_SPECS, type FashionMnistChecksums, type FileSpec } from './files.js';
import { finalError, FinalError, Transfer, type TransferSettings } from './transfer.js';
import type { FashionMnistSource } from './types.js';

/**
 * node:zlib is about twice as fast as DecompressionStream here, and runs off the main thread. It
 * inflates into 256 KiB chunks and stops as soon as the reader does (a destroyed stream inflates
 * no further), so the reader's byte budget bounds memory.
 */
export const nodeGunzip: Gunzip = (compressed) => {
  const inflater = createGunzip({ chunkSize: 1 << 18 });
  // Errors reach the reader through `inflater` itself; the callback only keeps them handled.
  pipeline(compressed, inflater, () => undefined);
  return inflater;
};

/** Bytes per read from a local file. */
const READ_CHUNK = 1 << 20;

/** A `.part` file whose process is alive is still removed once it is this old (its pid may have been reused). */
const STALE_PART_MS = 24 * 60 * 60 * 1000;

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
   * download are removed by the next download once their process is gone (or after 24 hours).
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
   * moves on to the next one.
   * @defaultValue the Keras storage bucket, then Zalando's mirror
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

function resolveNodeOptions(options: NodeLoadFashionMnistOptions): NodeLoadSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object', options);
  for (const key of ['dir', 'baseUrl', 'cacheDir'] as const) {
    if (options[key] !== undefined) assertNonEmptyString(`options.${key}`, options[key]);
  }
  if (options.dir !== undefined && options.baseUrl !== undefined) {
    throw new InvalidArgumentError('options.baseUrl', 'left out when options.dir is given (use one source)', options.baseUrl);
  }
  if (options.baseUrl !== undefined) resolveBaseUrl(options.baseUrl);
  if (options.mirrors !== undefined) assertMirrors(options.mirrors);
  const names = LOAD_FASHION_MNIST_DEFAULTS.sources;
  if (options.sources !== undefined) {
    if (!Array.isArray(options.sources)) throw new InvalidArgumentError('options.sources', `an array of ${names.map((n) => `'${n}'`).join(', ')}`, options.sources);
    options.sources.forEach((name, i) => assertOneOf(`options.sources[${i}]`, name, names));
  }
  const sources = options.sources ?? names;
  return {
    ...resolveTransferSettings(options),
    dir: options.dir,
    sources: sources.filter((name): name is LocalSource => name !== 'download'),
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    download: (options.download ?? LOAD_FASHION_MNIST_DEFAULTS.download) && sources.includes('download'),
    mirrors: options.mirrors ?? LOAD_FASHION_MNIST_DEFAULTS.mirrors,
    checksums: resolveChecksums(options.checksums),
  };
}

/** Mirrors are checked up front, so that a typo fails at once rather than as a failed download. */
function assertMirrors(mirrors: unknown): asserts mirrors is readonly string[] {
  if (!Array.isArray(mirrors) || mirrors.length === 0 || !mirrors.every((m) => typeof m === 'string')) {
    throw new InvalidArgumentError('options.mirrors', 'a non-empty array of base URLs', mirrors);
  }
  mirrors.forEach((mirror: string, i) => {
    let protocol = '';
    try {
      protocol = new URL(mirror).protocol;
    } catch {
      // Reported below, as for another protocol.
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new InvalidArgumentError(`options.mirrors[${i}]`, 'an absolute http or https URL', mirror);
  });
}

interface NodeLoadSettings extends TransferSettings {
  dir: string | undefined;
  sources: readonly LocalSource[];
  cacheDir: string;
  download: boolean;
  mirrors: readonly string[];
  checksums: FashionMnistChecksums | null;
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

/**
 * The path of a file in `dir`, plain IDX preferred over .gz, or undefined. With `strict` (the
 * caller's own `dir`), a file that exists but cannot be examined (EACCES on the folder) is reported
 * instead of being taken for missing.
 */
async function findFile(dir: string, spec: FileSpec, strict = false): Promise<string | undefined> {
  for (const name of [spec.name, `${spec.name}.gz`]) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (strict && code !== 'ENOENT' && code !== 'ENOTDIR') throw unreadable(path, error);
    }
  }
  return undefined;
}

/** Each file's path in `dir`, in FILE_SPECS order, undefined where missing. */
function findPaths(dir: string, strict: boolean): Promise<Array<string | undefined>> {
  return allInOrder(FILE_SPECS.map((spec) => findFile(dir, spec, strict)));
}

/**
 * Promise.all, except that when several fail the error thrown is the first in list order, not the
 * first to happen: an unreadable folder fails all four files, and the error should name the same one
 * on every run.
 */
async function allInOrder<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function unreadable(path: string, error: unknown): DatasetUnavailableError {
  return new DatasetUnavailableError(`${path} cannot be read (${(error as Error).message}).`, { cause: error });
}

/**
 * Reads and verifies one local file as a stream: its size on disk is checked first, and reading
 * stops as soon as the content is wrong or longer than it may be.
 */
async function readLocal(spec: FileSpec, path: string, settings: NodeLoadSettings): Promise<DecodedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const assembler = createAssembler(spec, path, settings.checksums);
    const maxSize = maxGzipLength(assembler.maxLength);
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (error) {
      throw unreadable(path, error);
    }
    if (size > maxSize) throw new DataVerificationError(path, 'the file size in bytes', `at most ${maxSize}`, size);
    return await decodeStream(spec, readChunks(handle, path, size, maxSize, settings.signal), path, settings.checksums, nodeGunzip, assembler);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The file's bytes in chunks of at most 1 MiB (each a fresh buffer: inflating is asynchronous). */
async function* readChunks(handle: FileHandle, path: string, size: number, maxSize: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  for (let total = 0; ; ) {
    signal?.throwIfAborted();
    const buffer = new Uint8Array(Math.min(READ_CHUNK, Math.max(size - total, 1 << 12)));
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
    } catch (error) {
      throw unreadable(path, error);
    }
    if (bytesRead === 0) return;
    total += bytesRead;
    // The file grew since it was measured.
    if (total > maxSize) throw new DataVerificationError(path, 'the file size in bytes', `at most ${maxSize}`, `more than ${maxSize}`);
    yield buffer.subarray(0, bytesRead);
  }
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
    `Directory \`options.dir\` (${dir}) does not contain all four Fashion-MNIST files: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (plain or .gz).`,
  );
}

/** The four cached files, or undefined when any failed verification (those are moved aside). */
async function readCache(paths: string[], settings: NodeLoadSettings): Promise<DecodedFile[] | undefined> {
  const results = await Promise.allSettled(FILE_SPECS.map((spec, i) => readLocal(spec, paths[i]!, settings)));
  let complete = true;
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') continue;
    await repairCache(paths[i]!, result.reason, settings);
    complete = false;
  }
  return complete ? results.map((r) => (r as PromiseFulfilledResult<DecodedFile>).value) : undefined;
}

/**
 * Moves a cached file that failed verification (or cannot be read) aside, with a warning, so that
 * the next source is tried; anything else (an abort), or a failed rename, is rethrown.
 */
async function repairCache(path: string, error: unknown, settings: NodeLoadSettings): Promise<void> {
  settings.signal?.throwIfAborted();
  if (!(error instanceof DataVerificationError || error instanceof DatasetUnavailableError)) throw error;
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(path, aside);
  } catch (renameError) {
    // Another process moved it first.
    if ((renameError as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  process.emitWarning(`${error.message.replace(/\.$/, '')}; moved it aside to ${aside} and trying the next source.`, {
    type: 'FashionMnistCacheWarning',
    code: 'FASHION_MNIST_CACHE_CORRUPT',
  });
}

async function downloadAll(settings: NodeLoadSettings): Promise<DecodedFile[]> {
  try {
    await mkdir(settings.cacheDir, { recursive: true });
  } catch (error) {
    throw new DatasetUnavailableError(`The cache directory ${settings.cacheDir} cannot be created (${(error as Error).message}).`, { cause: error });
  }
  await removeStaleParts(settings.cacheDir);
  const files: DecodedFile[] = [];
  // One file at a time, so that progress reads naturally and a failing mirror fails fast.
  for (const spec of FILE_SPECS) {
    const cached = await findFile(settings.cacheDir, spec);
    let file: DecodedFile | undefined;
    if (cached) {
      try {
        file = await readLocal(spec, cached, settings);
      } catch (error) {
        await repairCache(cached, error, settings);
      }
    }
    files.push(file ?? (await downloadFile(spec, settings)));
  }
  return files;
}

const PART_FILE = /^\..+\.gz\.(\d+)\.[0-9a-f-]{36}\.part$/;

/** The temporary name of a download: hidden, with the downloading process's pid. */
function partName(spec: FileSpec): string {
  return `.${spec.name}.gz.${process.pid}.${randomUUID()}.part`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `.part` files left by downloads that were killed: those whose process is gone, and any
 * older than a day (the pid may have been reused). Best effort: a file another process removes
 * first, or that cannot be removed, is left alone.
 */
async function removeStaleParts(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const match = PART_FILE.exec(name);
      if (!match) return;
      const path = join(dir, name);
      try {
        const { mtimeMs } = await stat(path);
        if (isAlive(Number(match[1])) && Date.now() - mtimeMs < STALE_PART_MS) return;
        await rm(path, { force: true });
      } catch {
        // Gone already, or not ours to remove.
      }
    }),
  );
}

async function downloadFile(spec: FileSpec, settings: NodeLoadSettings): Promise<DecodedFile> {
  const failures: unknown[] = [];
  for (const mirror of settings.mirrors) {
    const url = new URL(`${spec.name}.gz`, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
    try {
      return await downloadFrom(url, spec, settings);
    } catch (error) {
      const final = finalError(error, settings.signal);
      if (final) throw final.error;
      failures.push(error);
    }
  }
  const reasons = failures.map((e) => (e as Error).message.replace(/\.$/, '')).join('; ');
  throw new DatasetUnavailableError(`Could not download ${spec.name}.gz from any mirror (${reasons}).`, { cause: new AggregateError(failures) });
}

/**
 * Streams one file to a temporary name in the cache while it is verified, and only then renames
 * it into place: an interrupted, truncated, oversized or corrupt download leaves nothing behind.
 */
async function downloadFrom(url: string, spec: FileSpec, settings: NodeLoadSettings): Promise<DecodedFile> {
  const finalPath = join(settings.cacheDir, `${spec.name}.gz`);
  const tempPath = join(settings.cacheDir, partName(spec));
  const transfer = new Transfer(url, spec.name, settings);
  let handle: FileHandle | undefined;
  try {
    const response = await transfer.response();
    if (!response.ok) {
      response.body?.cancel().catch(() => undefined);
      throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`.trim());
    }
    handle = await diskStep(tempPath, () => open(tempPath, 'wx'));
    const assembler = createAssembler(spec, url, settings.checksums);
    const body = writeThrough(transfer.body(response, () => maxGzipLength(assembler.maxLength)), handle, tempPath);
    const decoded = await decodeStream(spec, body, url, settings.checksums, nodeGunzip, assembler);
    settings.signal?.throwIfAborted();
    const written = handle;
    await diskStep(tempPath, async () => {
      await written.sync();
      await written.close();
    });
    handle = undefined;
    await diskStep(finalPath, () => rename(tempPath, finalPath));
    return decoded;
  } catch (error) {
    transfer.close();
    await handle?.close().catch(() => undefined);
    await rm(tempPath, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    transfer.close();
  }
}

/** Runs a file system step of a download; its failure ends the load (another mirror would not help). */
async function diskStep<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new FinalError(new DatasetUnavailableError(`Could not write the download to ${path} (${(error as Error).message}).`, { cause: error }));
  }
}

/** Passes the body on while appending it to the `.part` file. */
async function* writeThrough(chunks: AsyncIterable<Uint8Array>, handle: FileHandle, path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    await diskStep(path, () => handle.write(chunk));
    yield chunk;
  }
}
