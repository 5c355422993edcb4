// Every `npm run <script>` that the README, the docs, the examples (the demo's messages among them),
// the sources and CI tell someone to run is a script of package.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

/** The files under `dir` (recursively) whose names end with one of `extensions`. */
function files(dir: string, extensions: string[]): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => extensions.some((extension) => name.endsWith(extension)))
    .map((name) => join(dir, name));
}

describe('npm scripts named in the repository', () => {
  const sources = ['README.md', '.ci/run', ...files('docs', ['.md']), ...files('examples', ['.ts', '.html']), ...files('src', ['.ts']), ...files('bench', ['.ts'])].filter((file) => !file.startsWith('docs/api'));

  it('exist in package.json', () => {
    const named = sources.flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(/npm run ([\w-]+(?::[\w-]+)*)/g)].map((match) => ({ file, script: match[1]! })));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter(({ script }) => !scripts.includes(script))).toEqual([]);
    // The demo's error for missing data names the script that writes it.
    expect(named).toContainEqual({ file: 'examples/browser/main.ts', script: 'demo:data' });
  });
});
