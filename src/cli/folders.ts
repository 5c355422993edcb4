// The folders the commands are given, checked before anything is loaded: the output folder, and
// model folders (a model folder is one holding model.json).
import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError, makeDirectories } from '../node/atomic.js';
import { UsageError } from './errors.js';

const MODEL_FILE = 'model.json';

/** Creates the output folder, refusing a path that is something other than a folder. */
export async function prepareOutputFolder(out: string): Promise<void> {
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`--out must be a folder, but ${out} is a file.`);
  try {
    // Not mkdir -p: under /proc, Node's recursive mkdir loops forever.
    await makeDirectories(out);
    await access(out, constants.W_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOMKDIR' ? 'this file system does not take folders there' : describeFsError(error);
    throw new UsageError(`--out ${out} cannot be used as the output folder: ${reason}.`, { hint: false });
  }
}

async function statOrError(path: string): Promise<Stats | NodeJS.ErrnoException> {
  return stat(path).catch((error: unknown) => error as NodeJS.ErrnoException);
}

/** Whether `dir` is a folder holding model.json. */
export async function isModelFolder(dir: string): Promise<boolean> {
  const folder = await statOrError(dir);
  return !(folder instanceof Error) && folder.isDirectory() && !((await statOrError(join(dir, MODEL_FILE))) instanceof Error);
}

/**
 * Refuses a model folder without a model.json, in the words loadModel uses; the model itself is
 * checked when it is loaded.
 */
export async function checkModelFolder(dir: string): Promise<void> {
  const refuse = (reason: string) => new UsageError(`${join(dir, MODEL_FILE)}: not readable (${reason}).`, { hint: false });
  const folder = await statOrError(dir);
  if (folder instanceof Error) throw refuse(folder.code === 'ENOENT' ? 'the folder does not exist' : describeFsError(folder));
  if (!folder.isDirectory()) throw refuse(`${dir} is not a folder`);
  const file = await statOrError(join(dir, MODEL_FILE));
  if (file instanceof Error) throw refuse(file.code === 'ENOENT' ? 'no such file' : describeFsError(file));
  if (!file.isFile()) throw refuse('it is not a file');
}

/** Whether `dir/model.json` exists: the cheap test of a checkpoint before it is loaded. */
export async function holdsModel(dir: string): Promise<boolean> {
  return !((await statOrError(join(dir, MODEL_FILE))) instanceof Error);
}
