// Node-only half of the loader: local directories, the caches and downloads. Loaded with a dynamic
// import so that browser bundles of the library never pull in node:fs or node:zlib.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
import { DatasetUnavailableError, FashionMnistError } from '../errors.js';
import { decodeFile, type DecodedFile, type Gunzip } from './decode.js';
import { FILE_SPECS, type FashionMnistChecksums, type FileSpec } from './files.js';
import type { DownloadProgress, FashionMnistSource } from './types.js';

const gunzipAsync = promisify(zlibGunzip);
/** node:zlib is about twice as fast as DecompressionStream here, and runs off the main thread. */
const nodeGunzip: Gunzip = async (bytes) => new Uint8Array(await gunzipAsync(bytes));

export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

export interface NodeLoadSettings {
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

export type LocalSource = 'env' | 'keras' | 'cache' | 'debian';

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
export async function loadFromNode(settings: NodeLoadSettings): Promise<{ files: DecodedFile[]; source: FashionMnistSource }> {
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
  const reasons = failures.map((e, i) => `${settings.mirrors[i]}: ${(e as Error).message}`).join('; ');
  throw new DatasetUnavailableError(`Could not download ${spec.name}.gz from any mirror (${reasons}).`, failures);
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
    if (!response.ok || !response.body) throw new FashionMnistError(`HTTP ${response.status} ${response.statusText}`.trim());
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
      if (idle.signal.aborted) throw new FashionMnistError(`no data received for ${settings.idleTimeoutMs} ms`);
      throw new FashionMnistError(`connection failed after ${loaded} bytes (${(error as Error).message})`);
    }
    if (total !== undefined && loaded !== total) throw new FashionMnistError(`received ${loaded} of ${total} bytes`);
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
