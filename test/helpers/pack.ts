// Packs the package as npm publishes it, from a copy of the sources in a folder of the caller's, so
// that a test file packing in parallel with another never sees the other's half-written dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** What the build and `npm pack` read: package.json's `files` and the build's inputs. */
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsup.config.ts', 'src', 'pretrained', 'examples', 'docs', 'README.md', 'LICENSE'];

/**
 * Builds the package in `work/package` (a copy of the sources, with the repository's node_modules)
 * and packs it into `work`; returns the tarball's path and the packed files' paths.
 */
export function packPackage(work: string): { tarball: string; files: string[] } {
  const copy = join(work, 'package');
  mkdirSync(copy, { recursive: true });
  for (const source of SOURCES) {
    if (existsSync(join(root, source))) cpSync(join(root, source), join(copy, source), { recursive: true, filter: (path) => !path.includes('/docs/api') });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const run = (args: string[]) => execFileSync('npm', args, { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run(['run', 'build']);
  const packed = JSON.parse(run(['pack', '--json', '--ignore-scripts', '--pack-destination', work])) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(work, packed[0]!.filename), files: packed[0]!.files.map((file) => file.path).sort() };
}
