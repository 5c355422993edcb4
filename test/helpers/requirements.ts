// What some tests need from the machine beyond node_modules: Debian's Chromium and Debian's copy of
// the data set (.ci/run installs both). Without one, the suites that need it are skipped with a note
// saying what to install, except in CI (CI=true), where a missing requirement fails the file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './chromium.js';

export interface Requirement {
  /** What is needed, for the message. */
  what: string;
  /** The file whose presence shows it is installed. */
  file: string;
  /** How to install it. */
  install: string;
}

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const CHROMIUM: Requirement = {
  what: "Debian's chromium",
  file: CHROMIUM_PATH,
  install: 'apt-get install chromium (or set CHROMIUM_PATH)',
};

export const FASHION_MNIST: Requirement = {
  what: "the Fashion-MNIST data set (Debian's dataset-fashion-mnist)",
  file: join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'),
  install: 'apt-get install dataset-fashion-mnist',
};

const reported = new Set<Requirement>();

/**
 * Whether to skip the tests that need `requirements`: false when all are installed; true when one is
 * missing, after printing what to install (once per file and requirement). With CI=true a missing
 * requirement throws instead, failing the file with the same message.
 *
 * @example describe.skipIf(missing(CHROMIUM, FASHION_MNIST))('the browser demo', () => { ... });
 */
export function missing(...requirements: Requirement[]): boolean {
  const absent = requirements.filter((r) => !existsSync(r.file));
  for (const r of absent) {
    const install = `no ${r.file}; install it with \`${r.install}\``;
    if (process.env['CI'] === 'true') throw new Error(`The tests need ${r.what}: ${install}. (With CI=true they fail instead of being skipped.)`);
    if (!reported.has(r)) console.warn(`Skipping the tests that need ${r.what}: ${install}.`);
    reported.add(r);
  }
  return absent.length > 0;
}
