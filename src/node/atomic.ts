// Node-only file helpers shared by PNG output, chart output and model saving: atomic writes, and
// the wording of file system errors. Who may still be writing a leftover is ownership.ts's job.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileWriteError } from '../errors.js';
import { ownerPart } from './ownership.js';

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder, written in full (short
 * writes continued), checked to hold every byte, flushed to disk, then renamed over the target. Readers see the old file or the new one, never half of one. Missing
 * parent folders are created. A crash can leave a hidden `.<name>.<pid>.<tag>.<uuid>.tmp` beside the
 * target, never a damaged target.
 *
 * @throws {@link FileWriteError} naming `path` (not the temporary), with the system error as cause.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), temporaryName(basename(path)));
  let handle: FileHandle | undefined;
  try {
    await makeDirectories(dirname(path));
    handle = await open(temp, 'wx');
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    await writeAll(handle, data);
    await checkWrittenSize(handle, data.length);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
    await syncDirectory(dirname(path));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new FileWriteError(`cannot be written; ${describeFsError(error)}`, { file: path, cause: error });
  }
}

/**
 * Creates `dir` and its missing parents, like `mkdir -p`. Node's own recursive mkdir reports a
 * read-only file system as ENOENT and never returns under /proc (where mkdir fails with ENOENT
 * although the parent exists, so it retries forever); this one walks up once to the first existing
 * folder, then creates each missing one once, failing with the error of the first that cannot be.
 * A folder that cannot be created in an existing parent fails with code `ENOMKDIR`.
 */
export async function makeDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    try {
      if ((await stat(current)).isDirectory()) break;
      // As mkdir says of a file where the folder should be.
      throw Object.assign(new Error(`${current} is not a folder`), { code: 'EEXIST' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) throw error;
      missing.push(current);
    }
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(path).catch(() => undefined))?.isDirectory()) continue;
      // Its parent exists (it was found or just made): this file system does not take folders there.
      if (code === 'ENOENT') throw Object.assign(new Error(`cannot create ${path}`), { code: 'ENOMKDIR', cause: error });
      throw error;
    }
  }
}

/**
 * Writes all of `bytes` at the file's position, however few bytes each write takes (a nearly full
 * disk or a network file system may take part of a buffer); a write that takes none fails.
 */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    if (!(bytesWritten > 0)) throw shortWrite(`the file system took no more bytes after ${done} of ${bytes.length}`);
    done += bytesWritten;
  }
}

/** Checks, on the open file, that it holds exactly the `expected` bytes written: done before every rename into place. */
export async function checkWrittenSize(handle: FileHandle, expected: number): Promise<void> {
  const { size } = await handle.stat();
  if (size !== expected) throw shortWrite(`the file holds ${size} of the ${expected} bytes written`);
}

function shortWrite(message: string): Error {
  return Object.assign(new Error(message), { code: SHORT_WRITE });
}

const SHORT_WRITE = 'ESHORTWRITE';

/** `.<name>.<pid>.<tag>.<uuid>.tmp`: hidden, unique, and naming the writer (see ownership.ts). */
export function temporaryName(name: string): string {
  return `.${name}.${ownerPart()}${randomUUID()}.tmp`;
}

/**
 * Flushes a folder's entries (renames, new files) to disk, so that a rename that committed a file
 * survives a power cut together with the file. Best effort: some platforms cannot open folders.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    // O_DIRECTORY: a FIFO swapped in for the folder fails at once instead of blocking the open.
    handle = await open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NONBLOCK ?? 0));
    await handle.sync();
  } catch {
    // Windows cannot open a folder; its renames are durable without this.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file is in the way',
  EISDIR: 'a folder is in the way',
  ENOENT: 'a part of the path does not exist',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
  ELOOP: 'too many symbolic links',
  ENOMKDIR: 'this file system does not allow creating folders there',
};

/**
 * A system error as a short phrase without the path in it (which may be a temporary's), e.g.
 * `permission denied (EACCES)`; other errors give their message.
 */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === SHORT_WRITE) return `a short write: ${(error as Error).message}`;
  if (typeof code === 'string') return `${FS_REASONS[code] ?? 'system error'} (${code})`;
  return error instanceof Error ? error.message : String(error);
}
