// The JavaScript runtimes besides Node that the package is tested in: Deno 2 and Bun 1, from their
// packages on the npm registry. .ci/run installs them into a cache folder of its own and names
// them in DENO_PATH and BUN_PATH; without those, the cache folder and then PATH are searched.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Requirement } from './requirements.js';

/** Where .ci/run keeps the runtimes it installs, one folder each (as root, the system's cache). */
export const CI_CACHE = process.getuid?.() === 0 ? '/var/cache/tfjs-fashion-mnist-ci' : join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'tfjs-fashion-mnist-ci');

function find(variable: string, cached: string, command: string): string {
  const named = process.env[variable];
  if (named) return named;
  if (existsSync(cached)) return cached;
  const onPath = (process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, command)).find((path) => path !== command && existsSync(path));
  return onPath ?? cached;
}

export const DENO: Requirement = {
  what: 'Deno 2',
  file: find('DENO_PATH', join(CI_CACHE, 'deno-2/node_modules/@deno/linux-x64-glibc/deno'), 'deno'),
  install: `npm install --prefix ${join(CI_CACHE, 'deno-2')} @deno/linux-x64-glibc@2 (or set DENO_PATH)`,
};

export const BUN: Requirement = {
  what: 'Bun 1',
  file: find('BUN_PATH', join(CI_CACHE, 'bun-1/node_modules/@oven/bun-linux-x64/bin/bun'), 'bun'),
  install: `npm install --prefix ${join(CI_CACHE, 'bun-1')} @oven/bun-linux-x64@1 (or set BUN_PATH)`,
};
