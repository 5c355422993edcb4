// Extracts the ```ts blocks of the TSDoc comments in src/, so a test can type-check them as a user
// would write them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DocExample {
  /** `src/...ts:line` of the block's first line. */
  where: string;
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

export function docExamples(root: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*\* ```ts\s*$/.test(lines[i]!)) continue;
      const start = i + 1;
      const body: string[] = [];
      for (i = start; i < lines.length && !/^\s*\* ```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.replace(/^\s*\* ?/, ''));
      examples.push({ where: `${relative(root, file)}:${start + 1}`, code: `${body.join('\n')}\n` });
    }
  }
  return examples;
}
