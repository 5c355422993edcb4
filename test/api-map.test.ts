// docs/api.md is the map of the public API: each entry's tables name exactly the values the entry
// exports and the types its source exports, and the counts at the top are those of the entries.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import * as node from '../src/node.js';
import * as wasm from '../src/wasm/index.js';

const repo = resolve(import.meta.dirname, '..');
const page = readFileSync(join(repo, 'docs/api.md'), 'utf8');

/** The section of docs/api.md under `## \`entry\``. */
function section(entry: string): string {
  const start = page.indexOf(`## \`${entry}\``);
  expect(start, entry).toBeGreaterThan(-1);
  const end = page.indexOf('\n## ', start + 1);
  return page.slice(start, end === -1 ? undefined : end);
}

/** The backticked names of a column of a section's table rows (header and rule left out). */
function column(text: string, index: number): string[] {
  const rows = text.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'));
  return rows.slice(1).flatMap((row) => [...(row.split(' | ')[index] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1]!));
}

/** The names of `export type { ... }` lists in a source file. */
function exportedTypes(file: string): string[] {
  const text = readFileSync(join(repo, file), 'utf8');
  return [...text.matchAll(/^export type \{([^}]+)\}/gm)].flatMap((m) => m[1]!.split(',').map((name) => name.trim()).filter(Boolean));
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

describe('docs/api.md', () => {
  it('lists the values and types of tfjs-fashion-mnist', () => {
    const text = section('tfjs-fashion-mnist');
    expect(sorted(column(text, 1))).toEqual(sorted(Object.keys(root)));
    expect(sorted(column(text, 2))).toEqual(sorted(exportedTypes('src/index.ts')));
  });

  it("lists what tfjs-fashion-mnist/node adds to it", () => {
    const text = section('tfjs-fashion-mnist/node');
    const own = Object.keys(node).filter((name) => !(name in root) || (node as Record<string, unknown>)[name] !== (root as Record<string, unknown>)[name]);
    expect(sorted(column(text, 1))).toEqual(sorted(own));
    expect(sorted(column(text, 2))).toEqual(sorted(exportedTypes('src/node.ts')));
  });

  it('lists the values and types of tfjs-fashion-mnist/wasm', () => {
    const text = section('tfjs-fashion-mnist/wasm');
    expect(sorted(column(`| header |\n${text.split('| --- | --- |')[1]}`, 0))).toEqual(sorted(Object.keys(wasm)));
    expect(sorted(column(`| header |\n${text.split('| --- | --- |')[1]}`, 1))).toEqual(sorted(exportedTypes('src/wasm/index.ts')));
  });

  it('counts what each entry exports', () => {
    const own = Object.keys(node).filter((name) => !(name in root));
    const rootTypes = exportedTypes('src/index.ts').length;
    expect(page).toContain(`| \`tfjs-fashion-mnist\` | ${Object.keys(root).length} | ${rootTypes} |`);
    expect(page).toContain(`| \`tfjs-fashion-mnist/node\` | ${Object.keys(node).length} (the ${Object.keys(root).length} above, ${own.length} of its own) | ${rootTypes + exportedTypes('src/node.ts').length} |`);
    expect(page).toContain(`| \`tfjs-fashion-mnist/wasm\` | ${Object.keys(wasm).length} | ${exportedTypes('src/wasm/index.ts').length} |`);
    expect(page).toContain(`| All three, each value counted once | ${new Set([...Object.keys(node), ...Object.keys(wasm)]).size} | |`);
  });
});
