// `predict [<model-dir>] <picture or folder...>`: the three likeliest classes of every readable
// picture, one error line for each one that is not; exit 2 if any failed.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FashionMnistError } from '../errors.js';
import { classifyImage, readImage } from '../node.js';
import { describeFsError } from '../node/atomic.js';
import { backendFromFlags, startBackend } from './backend.js';
import { UsageError } from './errors.js';
import { isModelFolder } from './folders.js';
import { loadChosenModel } from './model.js';
import type { Flags } from './options.js';
import { say } from './output.js';

const PICTURE = /\.(png|jpe?g)$/i;

export async function predict(flags: Flags, positionals: readonly string[]): Promise<number> {
  const backend = backendFromFlags(flags);
  // The first argument is a saved model when it is a model folder; any other folder holds pictures.
  const modelDir = positionals.length > 0 && (await isModelFolder(positionals[0]!)) ? positionals[0] : undefined;
  const inputs = modelDir === undefined ? positionals : positionals.slice(1);
  if (inputs.length === 0) throw new UsageError('predict needs at least one image: tfjs-fashion-mnist predict [<model-dir>] <image...>');
  let failed = 0;
  const fail = (message: string) => {
    failed++;
    process.stderr.write(`error: ${message}\n`);
  };
  // Paths are checked before the backend and the model load; the pictures are read one at a time.
  const pictures: string[] = [];
  for (const input of inputs) {
    const found = await picturesOf(input);
    if (typeof found === 'string') fail(found);
    else pictures.push(...found);
  }
  if (pictures.length === 0) return 2;
  await startBackend(backend);
  const model = await loadChosenModel(modelDir);
  for (const path of pictures) {
    try {
      const { ranked } = await classifyImage(model, await readImage(path), { testTimeFlip: flags['test-time-flip'] === true });
      say(`${path}: ${ranked.slice(0, 3).map(({ label, probability }) => `${label} ${(probability * 100).toFixed(1)}%`).join(', ')}`);
    } catch (error) {
      if (!(error instanceof FashionMnistError)) throw error;
      fail(error.message);
    }
  }
  return failed > 0 ? 2 : 0;
}

/** The picture files an argument stands for (itself, or a folder's pictures), or why there are none. */
async function picturesOf(path: string): Promise<string[] | string> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return [path];
  if (!info?.isDirectory()) {
    // Not there, or a device or pipe: readImage refuses it before reading, in its own words.
    return readImage(path).then(
      () => [path],
      (error: unknown) => (error instanceof FashionMnistError ? error.message : `${path}: ${describeFsError(error)}.`),
    );
  }
  if (await isModelFolder(path)) return `${path} is a model folder: give it first, before the pictures.`;
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    return `${path}: the folder cannot be read: ${describeFsError(error)}.`;
  }
  const names = entries.filter((entry) => PICTURE.test(entry.name) && (entry.isFile() || entry.isSymbolicLink())).map((entry) => entry.name);
  if (names.length === 0) return `${path} holds no .png, .jpg or .jpeg pictures.`;
  return names.sort().map((name) => join(path, name));
}
