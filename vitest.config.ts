import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  // Code under test that imports the package by name (examples/browser/prepare-data.ts) gets the
  // sources, as tsconfig.json's paths give them to tsc and tsx: a fresh clone has no dist/ until the
  // build, and tests must not depend on the order in which vitest runs them.
  resolve: {
    alias: [
      { find: /^tfjs-fashion-mnist\/node$/, replacement: src('node.ts') },
      { find: /^tfjs-fashion-mnist\/wasm$/, replacement: src('wasm/node.ts') },
      { find: /^tfjs-fashion-mnist$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
