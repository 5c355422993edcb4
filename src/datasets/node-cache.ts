// Node-only: this library's download cache. Cached files that fail verification are moved aside;
// downloads stream to a hidden `.part` file while they are verified and are renamed into place only
// then; `.part` files of killed downloads are removed once their process is gone (by pid in this PID
// namespace, by age for a download in another container or host: src/node/ownership.ts).
import { randomUUID } from 'node:crypto';
import { lstat, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetUnavailableError, DataVerificationError } from '../errors.js';
import { createAssembler, decodeStream, maxGzipLength, type DecodedFile } from './decode.js';
import { FILE_SPECS, type FashionMnistChecksums, type FileSpec } from './files.js';
import { findFile, nodeGunzip, readLocal } from './node-files.js';
import { checkWrittenSize, describeFsError, makeDirectories, writeAll } from '../node/atomic.js';
import { claim, OWNER_PATTERN, ownerOf, ownerPart, release, writerIsGone } from '../node/ownership.js';
import { finalError, FinalError, Transfer, type TransferSettings } from './transfer.js';

/** What the cache and its downloads need of the load's settings. */
export interface CacheSettings extends TransferSettings {
  cacheDir: string;
  mirrors: readonly string[];
  checksums: FashionMnistChecksums | null;
}

/** The four cached files, or undefined when any failed verification (those are moved aside). */
export async function readCache(paths: string[], settings: CacheSettings): Promise<DecodedFile[] | undefined> {
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
async function repairCache(path: string, error: unknown, settings: CacheSettings): Promise<void> {
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

/** Each file from the cache when it verifies, else downloaded from the mirrors into the cache. */
export async function downloadAll(settings: CacheSettings): Promise<DecodedFile[]> {
  try {
    await makeDirectories(settings.cacheDir);
  } catch (error) {
    throw new DatasetUnavailableError(`the cache directory cannot be created (${describeFsError(error)})`, { file: settings.cacheDir, cause: error });
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

const PART_FILE = new RegExp(`^\\..+\\.gz\\.${OWNER_PATTERN}[0-9a-f-]{36}\\.part$`);

/** The temporary name of a download: hidden, with the downloading process's pid and owner tag. */
function partName(spec: FileSpec): string {
  return `.${spec.name}.gz.${ownerPart()}${randomUUID()}.part`;
}

/**
 * Removes `.part` files left by downloads that were killed: those whose process is gone (in this
 * PID namespace), and any not written to for 15 minutes (a live download writes or touches its
 * file every few seconds). Best effort: a file another process removes first, or that cannot be
 * removed, is left alone.
 */
async function removeStaleParts(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const match = PART_FILE.exec(name);
      if (!match) return;
      const path = join(dir, name);
      try {
        const { mtimeMs } = await lstat(path);
        if (writerIsGone(ownerOf(match), name, mtimeMs)) await rm(path, { force: true });
      } catch {
        // Gone already, or not ours to remove.
      }
    }),
  );
}

async function downloadFile(spec: FileSpec, settings: CacheSettings): Promise<DecodedFile> {
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
async function downloadFrom(url: string, spec: FileSpec, settings: CacheSettings): Promise<DecodedFile> {
  const finalPath = join(settings.cacheDir, `${spec.name}.gz`);
  const tempPath = join(settings.cacheDir, partName(spec));
  const transfer = new Transfer(url, spec.name, settings);
  let handle: FileHandle | undefined;
  claim(tempPath);
  try {
    const response = await transfer.response();
    if (!response.ok) {
      response.body?.cancel().catch(() => undefined);
      throw transfer.error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    handle = await diskStep(tempPath, () => open(tempPath, 'wx'));
    const assembler = createAssembler(spec, url, settings.checksums);
    const written = { handle, bytes: 0 };
    const body = writeThrough(transfer.body(response, () => maxGzipLength(assembler.maxLength)), written, tempPath);
    const decoded = await decodeStream(spec, body, url, settings.checksums, nodeGunzip, assembler);
    settings.signal?.throwIfAborted();
    await diskStep(tempPath, async () => {
      await checkWrittenSize(written.handle, written.bytes);
      await written.handle.sync();
      await written.handle.close();
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
    release(tempPath);
  }
}

/** Runs a file system step of a download; its failure ends the load (another mirror would not help). */
async function diskStep<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new FinalError(new DatasetUnavailableError(`the download cannot be written (${(error as Error).message})`, { file: path, cause: error }));
  }
}

/**
 * Passes the body on while appending it to the `.part` file, every byte of it (short writes
 * continued), counting what was written for the size check before the rename.
 */
async function* writeThrough(chunks: AsyncIterable<Uint8Array>, written: { handle: FileHandle; bytes: number }, path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    await diskStep(path, () => writeAll(written.handle, chunk));
    written.bytes += chunk.length;
    yield chunk;
  }
}
