// The README's TypeScript is real code: every ```ts block is a file under examples/ shown verbatim,
// `npm test` type-checks examples/ (tsconfig.json includes it), and readme.e2e.test.ts runs each one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts')).sort();

describe('the README', () => {
  it('shows each example file verbatim, and every TypeScript block is one', () => {
    expect(blocks.length).toBe(examples.length);
    for (const block of blocks) {
      const name = /^\/\/ examples\/([\w-]+\.ts):/.exec(block)?.[1];
      expect(name, `a block starting ${JSON.stringify(block.slice(0, 40))} names no example file`).toBeDefined();
      expect(block).toBe(readFileSync(join(root, 'examples', name!), 'utf8'));
    }
  });
});
