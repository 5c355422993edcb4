// Every exported function's TSDoc @example compiles as a user would write it: each ```ts block of
// src/ becomes a module importing the package by its published names (tsconfig.json maps them to
// src/), and tsc checks them all under the project's strict settings.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docExamples } from './helpers/tsdoc-examples.js';

const root = resolve(import.meta.dirname, '..');
// Inside the repository, so that tsconfig.json's paths and node_modules resolve as for examples/.
const dir = join(root, 'node_modules', '.tsdoc-examples');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TSDoc examples', () => {
  it('type-check, each as a module of its own', () => {
    const examples = docExamples(root);
    expect(examples.length).toBeGreaterThan(40);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    examples.forEach((example, i) => writeFileSync(join(dir, `example-${i}.mts`), `${example.code}export {};\n`));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { baseUrl: root, types: ['node', 'vite/client'] }, include: ['*.mts'] }),
    );
    const result = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir, '--noEmit'], { encoding: 'utf8' });
    // Name the TSDoc block, not the generated file, in failures.
    const failures = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/^.*example-(\d+)\.mts\((\d+),\d+\)/, (_, i: string, row: string) => `${examples[Number(i)]!.where} (+${Number(row) - 1})`));
    expect(failures).toEqual([]);
  });
});
