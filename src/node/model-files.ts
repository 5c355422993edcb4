// Node-only: the on-disk protocol of model folders.
//
// A model folder is the standard tfjs layout, `model.json` plus the weight files it lists, so any
// tfjs reader (file or HTTP) can load it. Replacing a model never moves the folder:
//   1. the weights go to a new file whose name no model.json mentions yet (weights.<pid>.<tag>.<hex>.bin),
//      flushed to disk, and are read back and verified;
//   2. the new model.json goes to a hidden temporary, flushed;
//   3. a rename puts it over model.json: the single atomic commit;
//   4. weight files no model.json mentions any more are deleted.
// At every instant model.json is the old one with its old weights (still present until after the
// commit) or the new one with its new weights (flushed before the commit). A crash leaves at most
// unreferenced files, which the next save or load of the folder removes once their writer is gone:
// a writer in this PID namespace once its pid is, any other once its files are old (ownership.ts).
// The files of a save in progress are claimed (touched every few seconds) until it ends.
import { randomBytes, randomUUID } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { DataVerificationError, FashionMnistError, ModelFileError } from '../errors.js';
import { checkWrittenSize, describeFsError, makeDirectories, syncDirectory, writeAll } from './atomic.js';
import { claim, OWNER_PATTERN, ownerOf, ownerPart, release, writerIsGone } from './ownership.js';
import { kindOf, openRegular, readFully } from './read-file.js';
import { MAX_MODEL_JSON_BYTES, parseModelJson, type ModelJson } from './model-json.js';

export const MODEL_FILE = 'model.json';

/** The steps of {@link writeModelFolder}, after each of which its `hook` runs (for fault injection). */
export type WriteStep = 'prepared' | 'weights-partial' | 'weights-written' | 'verified' | 'manifest-written' | 'committed' | 'cleaned';

/** Called after each step of {@link writeModelFolder}; a tests' way to stop a write at a chosen point. */
export type WriteHook = (step: WriteStep) => void | Promise<void>;

/** What {@link writeModelFolder} writes. */
export interface ModelFolderContent {
  /** All weights, concatenated in manifest order. */
  weights: Uint8Array;
  /** The text of model.json, given the name chosen for the weights file. */
  modelJson: (weightsFile: string) => string;
  /** Checks the weights as read back from disk (and named `weightsFile` in `dir`); throws to abandon the write. */
  verify: (weightsReadBack: Uint8Array, weightsFile: string) => Promise<void>;
}

// weights.bin is the weights file of a folder saved by tfjs-node (`model.save('file://…')`): such a
// folder can be replaced, and its weights.bin is removed once a new model.json no longer lists it.
// Names carry the writer's pid and owner tag (ownership.ts); names without a tag are older saves'.
const WEIGHTS_NAME = new RegExp(`^weights\\.${OWNER_PATTERN}[0-9a-f]+\\.bin$`);
const TFJS_NODE_WEIGHTS = 'weights.bin';
const MODEL_TEMP_NAME = new RegExp(`^\\.model\\.json\\.${OWNER_PATTERN}[0-9a-f-]+\\.tmp$`);

/** Files of a folder that this library wrote or may remove: model.json aside, nothing else is touched. */
function isOwnFile(name: string): boolean {
  return name === TFJS_NODE_WEIGHTS || WEIGHTS_NAME.test(name) || MODEL_TEMP_NAME.test(name);
}

/**
 * Writes a model folder crash-safely (see the file's header): creates `dir` and its parents if
 * missing, refuses anything that is not a model folder, commits by renaming model.json into place.
 *
 * @returns The name of the weights file written.
 * @throws {@link ModelFileError} naming `dir` for a file system failure or a target that is not a
 *   model folder; whatever `content.verify` throws.
 */
export async function writeModelFolder(dir: string, content: ModelFolderContent, hook?: WriteHook): Promise<string> {
  const weightsFile = `weights.${ownerPart()}${randomBytes(6).toString('hex')}.bin`;
  const tempFile = `.${MODEL_FILE}.${ownerPart()}${randomUUID()}.tmp`;
  const [weightsPath, tempPath] = [join(dir, weightsFile), join(dir, tempFile)];
  claim(weightsPath);
  claim(tempPath);
  let committed = false;
  try {
    await prepareTarget(dir);
    await hook?.('prepared');
    const written = await writeNewFile(weightsPath, content.weights, () => hook?.('weights-partial'));
    await hook?.('weights-written');
    await content.verify(await readBack(weightsPath, content.weights.length), weightsFile);
    await hook?.('verified');
    await writeNewFile(tempPath, new TextEncoder().encode(content.modelJson(weightsFile)));
    await syncDirectory(dir);
    await hook?.('manifest-written');
    await checkStillThere(dir, weightsFile, written);
    await rename(tempPath, join(dir, MODEL_FILE));
    committed = true;
    await syncDirectory(dir);
    await hook?.('committed');
  } catch (error) {
    if (!committed) {
      await rm(weightsPath, { force: true }).catch(() => undefined);
      await rm(tempPath, { force: true }).catch(() => undefined);
    }
    throw error instanceof FashionMnistError ? error : new ModelFileError(`the model cannot be saved here; ${describeFsError(error)}`, { file: dir, cause: error });
  } finally {
    release(weightsPath);
    release(tempPath);
  }
  await cleanModelFolder(dir);
  await hook?.('cleaned');
  return weightsFile;
}

/**
 * What may be written to: nothing yet (created, parents too), or a folder that is empty, holds a
 * model.json, or holds only files this library names. Anything else is refused, never replaced.
 */
async function prepareTarget(dir: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await makeDirectories(dir);
    return;
  }
  if (!info.isDirectory()) throw new ModelFileError(`${kindOf(info)}, not a model folder; refusing to replace it`, { file: dir });
  const entries = await readdir(dir);
  if (entries.includes(MODEL_FILE)) return;
  const foreign = entries.filter((name) => !isOwnFile(name));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} entries)` : '');
    throw new ModelFileError(`a folder without ${MODEL_FILE} that holds other files (${shown}); refusing to write a model into it`, { file: dir });
  }
}

/**
 * Creates `path` (failing if it exists), writes all of `bytes` (short writes continued), checks
 * that the file holds every byte and flushes it to disk.
 * @returns The file's status once written.
 */
async function writeNewFile(path: string, bytes: Uint8Array, halfway?: () => unknown): Promise<Stats> {
  const handle = await open(path, 'wx');
  try {
    const half = bytes.length >> 1;
    await writeAll(handle, bytes.subarray(0, half));
    await halfway?.();
    await writeAll(handle, bytes.subarray(half));
    await checkWrittenSize(handle, bytes.length);
    await handle.sync();
    return await handle.stat();
  } finally {
    await handle.close();
  }
}

/**
 * Refuses to commit a model.json whose weights file is no longer the one written: a cleaner that
 * took this save for a dead writer's (it stood still for longer than STALE_MS) removed it.
 */
async function checkStillThere(dir: string, weightsFile: string, written: Stats): Promise<void> {
  const now = await stat(join(dir, weightsFile)).catch(() => undefined);
  if (now?.ino !== written.ino || now.dev !== written.dev) {
    throw new ModelFileError(`the model cannot be saved here; its new weights file ${weightsFile} was removed before the save could commit (another process took it for a dead writer's leftover)`, { file: dir });
  }
}

/** The weights as read back from disk, opened without blocking (a FIFO swapped in is refused at once). */
async function readBack(path: string, length: number): Promise<Uint8Array> {
  const opened = await openRegular(path);
  if (!opened.handle) throw new ModelFileError(`replaced by ${kindOf(opened.info)} while it was written`, { file: path });
  try {
    const bytes = new Uint8Array(length);
    await readFully(opened.handle, bytes, 0, length);
    return bytes;
  } finally {
    await opened.handle.close();
  }
}

/** A model folder read by {@link readModelFolder}. */
export interface ModelFolder {
  /** The path of model.json, for messages. */
  file: string;
  json: ModelJson;
  /** All weights, concatenated in manifest order. */
  weights: Uint8Array;
}

/** Reads of a model folder that a concurrent save may make start over. */
const MAX_READ_ATTEMPTS = 20;

/**
 * Reads and checks a model folder without trusting it: model.json is capped in size and validated;
 * every weights path must resolve (symbolic links included) to a regular file inside the folder;
 * each group's files must add up to the bytes its shapes and types declare, all before any weight
 * is read. A model.json replaced while the weights are read (a concurrent save) is read again.
 *
 * @throws {@link ModelFileError} for a missing, oversized, malformed or escaping file;
 *   {@link DataVerificationError} when the weight files' sizes differ from the manifest.
 */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const file = join(dir, MODEL_FILE);
  let root: string;
  try {
    root = await realpath(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the folder does not exist' : describeFsError(error);
    throw new ModelFileError(`not readable (${reason})`, { file, cause: error });
  }
  // Each new attempt follows a commit made while the weights were read, so the attempts end when the
  // writers pause; the cap only bounds a folder committed to faster than it can be read (two writers
  // saving in a loop on a loaded machine have made a reader lose three races in a row).
  for (let attempt = 1; ; attempt++) {
    const text = await readModelJsonText(dir, root);
    const json = parseModelJson(file, text);
    try {
      return { file, json, weights: await readWeights(dir, root, json) };
    } catch (error) {
      const vanished = error instanceof ModelFileError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      if (!vanished || attempt === MAX_READ_ATTEMPTS || (await readModelJsonText(dir, root).catch(() => text)) === text) throw error;
    }
  }
}

async function readModelJsonText(dir: string, root: string): Promise<string> {
  const file = join(dir, MODEL_FILE);
  let opened: OpenedFile;
  try {
    opened = await openInside(root, MODEL_FILE);
  } catch (error) {
    if (error instanceof FashionMnistError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'ENOTDIR' ? `${dir} is not a folder` : describeFsError(error);
    throw new ModelFileError(`not readable (${reason})`, { file, cause: error });
  }
  if (opened.escapes) throw new ModelFileError(`a link that leaves the model folder (to ${opened.real})`, { file });
  if (!opened.handle) throw new ModelFileError(`not readable (it is ${kindOf(opened.info)})`, { file });
  try {
    if (opened.info.size > MAX_MODEL_JSON_BYTES) {
      throw new ModelFileError(`${opened.info.size} bytes, more than the limit of ${MAX_MODEL_JSON_BYTES} (64 MiB)`, { file });
    }
    const bytes = new Uint8Array(opened.info.size);
    const got = await readFully(opened.handle, bytes, 0, bytes.length);
    return new TextDecoder().decode(bytes.subarray(0, got));
  } finally {
    await opened.handle.close();
  }
}

type OpenedFile =
  /** The path resolved, with every symbolic link, to a place outside the folder: nothing was opened. */
  | { real: string; escapes: true }
  /** Not a regular file (a folder, FIFO, device…): not opened, or closed at once. */
  | { real: string; escapes: false; info: Stats; handle?: undefined }
  /** An opened regular file; `info` is the open file's own status, not the path's. */
  | { real: string; escapes: false; info: Stats; handle: FileHandle };

/**
 * Resolves `path` under `root` and opens it only if it stays inside `root`, keeping it open only if
 * the descriptor is a regular file. Opened without blocking (see read-file.ts), so a FIFO swapped
 * in after the path was resolved is refused at once; O_NOFOLLOW refuses a link swapped in. Nothing
 * is read: the caller checks the size first.
 */
async function openInside(root: string, path: string): Promise<OpenedFile> {
  const real = await realpath(resolve(root, path));
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) return { real, escapes: true };
  const opened = await openRegular(real, constants.O_NOFOLLOW ?? 0);
  return { real, escapes: false, ...opened };
}

async function readWeights(dir: string, root: string, json: ModelJson): Promise<Uint8Array> {
  // Every file is checked and measured before any is read; then they are read one at a time.
  const groups: OpenedWeights[][] = [];
  try {
    for (const group of json.weightsManifest) {
      const files: OpenedWeights[] = [];
      groups.push(files);
      for (const path of group.paths) files.push(await openWeights(dir, root, path));
      const size = files.reduce((sum, f) => sum + f.info.size, 0);
      if (size !== group.bytes) throw new DataVerificationError('the size of the weights in bytes', { file: weightFilesLabel(dir, group.paths), expected: group.bytes, actual: size });
    }
    const weights = new Uint8Array(json.weightBytes);
    let offset = 0;
    for (const file of groups.flat()) {
      const got = await readFully(file.handle, weights, offset, file.info.size);
      if (got !== file.info.size) throw new DataVerificationError('the size in bytes while it was read', { file: file.shown, expected: file.info.size, actual: got });
      offset += got;
    }
    return weights;
  } finally {
    await Promise.all(groups.flat().map((f) => f.handle.close()));
  }
}

interface OpenedWeights {
  shown: string;
  info: Stats;
  handle: FileHandle;
}

async function openWeights(dir: string, root: string, path: string): Promise<OpenedWeights> {
  const shown = join(dir, path);
  let opened: OpenedFile;
  try {
    opened = await openInside(root, path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `listed in ${MODEL_FILE} but missing` : `cannot be read; ${describeFsError(error)}`;
    throw new ModelFileError(reason, { file: shown, cause: error });
  }
  if (opened.escapes) throw new ModelFileError(`outside the model folder (it resolves to ${opened.real}); weight files must be inside it`, { file: shown });
  if (!opened.handle) throw new ModelFileError(`${kindOf(opened.info)}, not a regular file`, { file: shown });
  return { shown, info: opened.info, handle: opened.handle };
}

/** The file named in a size or checksum error: the weights file, or the first of several. */
export function weightFilesLabel(dir: string, paths: string[]): string {
  const first = join(dir, paths[0] ?? '');
  return paths.length === 1 ? first : `${first} (and ${paths.length - 1} more weight files)`;
}


/**
 * Removes, best effort, what crashed writers left: temporaries and weight files that model.json
 * does not list, each only once its writer is gone (see {@link writerIsGone}: by pid in this PID
 * namespace, by age otherwise). Never throws.
 */
export async function cleanModelFolder(dir: string): Promise<void> {
  try {
    // Liveness first, the listing of referenced files second: a writer found gone cannot commit
    // afterwards, so a file it wrote that model.json does not list now never will be listed.
    const candidates: string[] = [];
    for (const name of await readdir(dir)) {
      if (name === TFJS_NODE_WEIGHTS) candidates.push(name);
      const match = WEIGHTS_NAME.exec(name) ?? MODEL_TEMP_NAME.exec(name);
      if (match === null) continue;
      const info = await lstat(join(dir, name)).catch(() => undefined);
      if (info && writerIsGone(ownerOf(match), name, info.mtimeMs)) candidates.push(name);
    }
    if (candidates.length > 0) {
      const listed = await listedFiles(dir);
      for (const name of candidates) {
        if (MODEL_TEMP_NAME.test(name) || (listed !== undefined && !listed.has(name))) await rm(join(dir, name), { force: true });
      }
    }
  } catch {
    // Cleaning is a courtesy: a read-only folder still loads, and a save that committed succeeded.
  }
}

/** The weight files the current model.json lists, or undefined when it cannot be read (then none is removed). */
async function listedFiles(dir: string): Promise<Set<string> | undefined> {
  try {
    const json = parseModelJson(join(dir, MODEL_FILE), await readModelJsonText(dir, await realpath(dir)));
    return new Set(json.weightsManifest.flatMap((group) => group.paths).map((path) => path.replace(/^\.\//, '')));
  } catch {
    return undefined;
  }
}
