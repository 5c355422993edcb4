// The README's TypeScript is real code: every ```ts block of the README and of the guides it links
// (docs/*.md) is a file under examples/ shown verbatim, `npm test` type-checks examples/
// (tsconfig.json includes it), and readme.e2e.test.ts runs the Node ones.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { trainOptionsFromFlags } from '../src/training/flags.js';

const root = resolve(import.meta.dirname, '..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const blocks = pages.flatMap((page) =>
  [...readFileSync(join(root, page), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => ({ page, code: m[1]! })),
);
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts')).sort();

describe('the README and its guides', () => {
  it('show each example file verbatim, once, and every TypeScript block is one', () => {
    const shown = blocks.map(({ page, code }) => {
      const name = /^\/\/ examples\/([\w-]+\.ts):/.exec(code)?.[1];
      expect(name, `${page}: a block starting ${JSON.stringify(code.slice(0, 40))} names no example file`).toBeDefined();
      expect(code, `${page} shows examples/${name} as it is`).toBe(readFileSync(join(root, 'examples', name!), 'utf8'));
      return name!;
    });
    expect(shown.sort()).toEqual(examples);
  });

  it('keep the Node examples and the config a web app copies in the README itself', () => {
    const inReadme = blocks.filter(({ page }) => page === 'README.md').map(({ code }) => /^\/\/ examples\/([\w-]+\.ts):/.exec(code)?.[1]);
    expect(inReadme).toEqual(['classify.ts', 'tour.ts', 'backend.ts', 'vite-config.ts']);
  });
});

describe('the docs', () => {
  it('name only files of the repository that exist (scripts, benchmarks, tests, sources)', () => {
    const missingFiles = pages.flatMap((page) => {
      // Code blocks left out: the examples name files of the user's own app (src/setup.ts).
      const text = readFileSync(join(root, page), 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
      const named = [...text.matchAll(/\b((?:bench|scripts|test|src|native|examples)\/[\w./-]+\.(?:ts|mts|mjs|py|c|h|sh))\b/g)].map((m) => m[1]!);
      // docs/browser.md's Vite app has a src/setup.ts of its own.
      return named.filter((file) => file !== 'src/setup.ts' && !existsSync(join(root, file))).map((file) => `${page}: ${file}`);
    });
    expect(missingFiles).toEqual([]);
  });
});

describe('the commands of the README and the guides', () => {
  it('parse, with valid training flags', () => {
    const commands = pages.flatMap((page) => [...readFileSync(join(root, page), 'utf8').matchAll(/npx tfjs-fashion-mnist ([^`#\n]*)/g)].map((m) => m[1]!.trim()));
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) {
      const { command: name, flags } = parseArgs(command.split(/\s+/));
      if (name === 'train') expect(() => trainOptionsFromFlags(flags), command).not.toThrow();
    }
  });

  it('accept the full flags of each five-epoch attempt in docs/results.md', () => {
    // The table's flags are those of train; each row's must be a valid command line too.
    const rows = [...readFileSync(join(root, 'docs/results.md'), 'utf8').matchAll(/^\| \d+[^|]*\| `(--epochs 5[^`]*)`/gm)].map((m) => m[1]!);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) expect(() => trainOptionsFromFlags(parseArgs(['train', ...row.split(/\s+/)]).flags), row).not.toThrow();
  });
});
