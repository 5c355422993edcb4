// Node-only: telling the leftovers of a dead writer (a temporary, a weights file, a download's
// `.part` file) from files a live writer is still writing, in this process, another one, another
// container sharing the folder, or another host on a network file system.
//
// A pid means something only inside its PID namespace on one boot of one machine: in another
// container a live writer's pid may name no process, or another one. So each such file's name
// carries its writer's pid and an owner tag (a digest of the boot id and the PID namespace):
//   - a writer with this process's tag is judged by its pid: gone once no process has it;
//   - any other writer (another namespace or host, or a name without a tag) is judged by age:
//     gone once the file is older than STALE_MS. Live writers touch their files every
//     HEARTBEAT_MS, so only a writer that has stopped for that long loses them.
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { basename } from 'node:path';

/** How often a live writer touches the files it is writing (their modification time). */
export const HEARTBEAT_MS = 10_000;
/**
 * A file of a writer that cannot be asked (another PID namespace or host) is a leftover once it has
 * not been touched for this long: 15 minutes, generous for clocks that disagree between hosts.
 */
export const STALE_MS = 15 * 60_000;

let tag: string | null | undefined;

/**
 * 8 hex digits naming this boot of this machine and this process's PID namespace: two processes
 * with the same tag can ask each other's pids. `null` where neither can be read (not Linux): then
 * no other process's pid is trusted and other writers' files are judged by age alone.
 */
export function ownerTag(): string | null {
  if (tag === undefined) {
    try {
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const namespace = readlinkSync('/proc/self/ns/pid');
      tag = boot && namespace ? createHash('sha256').update(`${boot}\n${namespace}`).digest('hex').slice(0, 8) : null;
    } catch {
      tag = null;
    }
  }
  return tag;
}

/** Who wrote a file, as its name says. */
export interface Owner {
  pid: number;
  /** The writer's {@link ownerTag}; undefined for names without one. */
  tag: string | undefined;
}

/** `<pid>.<tag>.`, or `<pid>.` where this process has no tag: the owner part of a file name. */
export function ownerPart(): string {
  const own = ownerTag();
  return own === null ? `${process.pid}.` : `${process.pid}.${own}.`;
}

/** The pattern of an owner part inside a file-name pattern: group 1 the pid, group 2 the tag. */
export const OWNER_PATTERN = String.raw`(\d+)\.(?:([0-9a-f]{8})\.)?`;

/** The owner named by a match of a pattern built with {@link OWNER_PATTERN}. */
export function ownerOf(match: RegExpExecArray): Owner {
  return { pid: Number(match[1]), tag: match[2] };
}

/**
 * Names of files this process is writing right now. A leftover named with this process's pid and
 * tag is stale unless listed here.
 */
export const inFlight = new Set<string>();
const touched = new Map<string, string>();
let timer: ReturnType<typeof setInterval> | undefined;

/**
 * Marks `path` as being written by this process until {@link release}: no cleaner removes it, and
 * it is touched every {@link HEARTBEAT_MS} so that other namespaces and hosts see it alive.
 */
export function claim(path: string): void {
  inFlight.add(basename(path));
  touched.set(path, basename(path));
  // unref: a heartbeat never keeps the process alive on its own.
  timer ??= setInterval(() => void touchClaimed(), HEARTBEAT_MS).unref();
}

/** Ends {@link claim}: the file is committed, or removed. */
export function release(path: string): void {
  inFlight.delete(basename(path));
  touched.delete(path);
  if (touched.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Touches every claimed file that exists (the heartbeat); exported so tests need not wait for it. */
export async function touchClaimed(): Promise<void> {
  const now = new Date();
  await Promise.all([...touched].filter(([, name]) => inFlight.has(name)).map(([path]) => utimes(path, now, now).catch(() => undefined)));
}

/**
 * Whether the writer of `name` can no longer finish it. With this process's tag: it is this process
 * and nothing here is writing that name, or no process has that pid. Otherwise, or when a process
 * has the pid (perhaps an unrelated one that reused it), once the file (modified at `mtimeMs`) is
 * older than {@link STALE_MS}. Files this process is writing are never gone.
 */
export function writerIsGone(owner: Owner, name: string, mtimeMs: number, now = Date.now()): boolean {
  if (owner.tag !== undefined && owner.tag === ownerTag()) {
    if (owner.pid === process.pid) return !inFlight.has(name);
    if (!processExists(owner.pid)) return true;
  }
  return now - mtimeMs > STALE_MS;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
