// Node-only: opening files for reading without ever blocking. A plain open of a FIFO waits for a
// writer (forever, in a thread the process cannot exit without), and a path checked with stat can
// be swapped for a FIFO before it is opened. So every path a user or the package supplies is
// opened with O_NONBLOCK (a FIFO or device opens at once) and checked with fstat on the descriptor
// itself: only regular files are read.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** An opened regular file and its status (the descriptor's, not the path's), or what was found instead. */
export type OpenedRegular = { handle: FileHandle; info: Stats } | { handle?: undefined; info: Stats };

/**
 * Opens `path` for reading without blocking. When it is not a regular file (a folder, FIFO,
 * socket or device) it is not opened, or its descriptor is closed at once, and only its status is
 * returned.
 *
 * @throws The system error of the open or of fstat (ENOENT, EACCES…).
 */
export async function openRegular(path: string, extraFlags = 0): Promise<OpenedRegular> {
  // A device or FIFO already there is refused without being opened at all (opening some devices
  // has effects); one swapped in after this check opens without blocking and is refused below.
  const before = await stat(path);
  if (!before.isFile()) return { info: before };
  const handle = await open(path, READ_FLAGS | extraFlags);
  try {
    const info = await handle.stat();
    if (info.isFile()) return { handle, info };
    await handle.close();
    return { info };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Reads `length` bytes into `target` at `offset`; returns how many it got before the end of file. */
export async function readFully(handle: FileHandle, target: Uint8Array, offset: number, length: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(target, offset + done, length - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** A file's kind, for messages: "a folder", "a FIFO"… */
export function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFile()) return 'a file';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Reads a whole regular file of at most `maxBytes`, opened as {@link openRegular} opens it.
 *
 * @throws A `NotRegularFile` error (`code` `'ENOTREG'`, `kind` naming what was found) for anything
 *   but a regular file; a `TooLarge` error (`code` `'EFBIG'`, `size`) beyond `maxBytes`; the system
 *   error otherwise.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const opened = await openRegular(path);
  if (!opened.handle) throw Object.assign(new Error(`${path} is ${kindOf(opened.info)}, not a regular file`), { code: 'ENOTREG', kind: kindOf(opened.info) });
  try {
    const { size } = opened.info;
    if (size > maxBytes) throw Object.assign(new Error(`${path} is ${size} bytes, more than ${maxBytes}`), { code: 'EFBIG', size });
    const bytes = new Uint8Array(size);
    return bytes.subarray(0, await readFully(opened.handle, bytes, 0, size));
  } finally {
    await opened.handle.close();
  }
}
