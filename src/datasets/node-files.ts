// Node-only: reading the data set's local files. Each file is found (plain IDX preferred over .gz),
// measured on disk and streamed through the verifying decoder, which stops reading as soon as the
// content is wrong or longer than it may be.
import { stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DatasetUnavailableError, DataVerificationError } from '../errors.js';
import { createAssembler, decodeStream, maxGzipLength, type DecodedFile, type Gunzip } from './decode.js';
import { kindOf, openRegular, type OpenedRegular } from '../node/read-file.js';
import { FILE_SPECS, type FashionMnistChecksums, type FileSpec } from './files.js';

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

/** What reading a local file needs of the load's settings. */
export interface LocalReadSettings {
  checksums: FashionMnistChecksums | null;
  signal: AbortSignal | undefined;
}

/**
 * The path of a file in `dir`, plain IDX preferred over .gz, or undefined. With `strict` (the
 * caller's own `dir`), a file that exists but cannot be examined (EACCES on the folder) is reported
 * instead of being taken for missing.
 */
export async function findFile(dir: string, spec: FileSpec, strict = false): Promise<string | undefined> {
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
export function findPaths(dir: string, strict: boolean): Promise<Array<string | undefined>> {
  return allInOrder(FILE_SPECS.map((spec) => findFile(dir, spec, strict)));
}

/**
 * Promise.all, except that when several fail the error thrown is the first in list order, not the
 * first to happen: an unreadable folder fails all four files, and the error should name the same one
 * on every run.
 */
export async function allInOrder<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export function unreadable(path: string, error: unknown): DatasetUnavailableError {
  return new DatasetUnavailableError(`cannot be read (${(error as Error).message})`, { file: path, cause: error });
}

/**
 * Reads and verifies one local file as a stream: its size on disk is checked first, and reading
 * stops as soon as the content is wrong or longer than it may be. Opened without blocking and
 * checked on the descriptor: a FIFO or device, even one swapped in for the file, is refused at once.
 */
export async function readLocal(spec: FileSpec, path: string, settings: LocalReadSettings): Promise<DecodedFile> {
  let opened: OpenedRegular;
  try {
    opened = await openRegular(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  const { handle, info } = opened;
  if (!handle) throw new DatasetUnavailableError(`cannot be read (it is ${kindOf(info)}, not a regular file)`, { file: path });
  try {
    const assembler = createAssembler(spec, path, settings.checksums);
    const maxSize = maxGzipLength(assembler.maxLength);
    const size = info.size;
    if (size > maxSize) throw new DataVerificationError('the file size in bytes', { file: path, expected: `at most ${maxSize}`, actual: size });
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
    if (total > maxSize) throw new DataVerificationError('the file size in bytes', { file: path, expected: `at most ${maxSize}`, actual: `more than ${maxSize}` });
    yield buffer.subarray(0, bytesRead);
  }
}
