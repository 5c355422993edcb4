// Fashion-MNIST for train and evaluate: --data-dir checked before anything starts, then loaded with
// the download's progress on the terminal.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_SPECS } from '../datasets/files.js';
import { loadFashionMnist, subsetSplit, type FashionMnist } from '../node.js';
import { describeFsError } from '../node/atomic.js';
import { renderBar } from '../training/progress.js';
import { UsageError } from './errors.js';
import { say, stdout } from './output.js';

/**
 * Refuses a --data-dir that is not a folder holding the four files (plain or .gz), as the loader
 * would, but before the backend starts and in the command line's terms. Their content is checked
 * when they are read.
 */
export async function checkDataDir(dir: string | undefined): Promise<void> {
  if (dir === undefined) return;
  const info = await stat(dir).catch((error: unknown) => {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read: ${describeFsError(error)}`;
    throw new UsageError(`--data-dir ${dir} ${reason}.`, { hint: false });
  });
  if (!info.isDirectory()) throw new UsageError(`--data-dir must be a folder, but ${dir} is not one.`, { hint: false });
  const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);
  const found = await Promise.all(FILE_SPECS.map(async ({ name }) => (await isFile(join(dir, name))) || isFile(join(dir, `${name}.gz`))));
  const missing = FILE_SPECS.filter((_, i) => !found[i]).map((spec) => spec.name);
  if (missing.length > 0) {
    throw new UsageError(
      `--data-dir ${dir} does not hold all four Fashion-MNIST files: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (plain or .gz).`,
      { hint: false },
    );
  }
}

/** Loads the data set (from --data-dir, else the usual places or a download), cut to --limit. */
export async function loadData(dataDir: string | undefined, limit: number | undefined): Promise<FashionMnist> {
  let lastFile = '';
  const data = await loadFashionMnist({
    ...(dataDir === undefined ? {} : { dir: dataDir }),
    onProgress: ({ file, loaded, total }) => {
      if (file !== lastFile) say(`[INFO] downloading ${file}.gz`);
      lastFile = file;
      const bar = total ? `${renderBar(loaded, total)} ${Math.floor((100 * loaded) / total)}% ` : '';
      stdout.write(`\r  ${bar}${(loaded / 1e6).toFixed(1)} MB`);
    },
  });
  say(`[INFO] loaded Fashion-MNIST from ${data.source.location} (${data.source.kind}), checksums verified`);
  if (limit === undefined) return data;
  return { ...data, train: subsetSplit(data.train, Math.min(limit, data.train.count)), test: subsetSplit(data.test, Math.min(limit, data.test.count)) };
}
