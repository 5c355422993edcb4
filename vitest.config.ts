import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

// `npm test`: the unit tests, in two projects; each test and setup hook takes seconds.
const UNIT_TIMEOUTS = { testTimeout: 20_000, hookTimeout: 20_000 };

// The unit test files that start the threaded wasm backend or the SIMD kernels' worker threads
// (project unit:threads): they use every core themselves, so they run one at a time, after the
// others (project unit), which run a file per core.
const THREADED = ['wasm', 'simd-kernels', 'sgd-momentum', 'relu-gradient'].map((name) => `test/${name}.test.ts`);

// `npm run test:e2e`: the slow suites, test/<name>.e2e.test.ts, one project each, with the timeout
// its tests need on a loaded 2-core machine. Tests and setup hooks that need longer say so themselves.
const E2E_TIMEOUTS: Record<string, number> = {
  package: 60_000, // builds and packs the package (setup: 300 s), installs it, type-checks and runs consumers
  runtimes: 120_000, // runs the packed package in Deno and Bun, training on threaded wasm (setup: 300 s)
  browser: 120_000, // builds the demo with Vite and drives Debian's Chromium (setup: 300 s)
  webgpu: 300_000, // MiniVGGNet on tfjs-backend-webgpu in Chromium's software WebGPU, against tfjs-backend-cpu
  'browser-apps': 300_000, // packs the package, installs and builds web apps with it, runs them in Chromium (setup: 600 s)
  cli: 60_000, // spawns the command-line program; its training run may take 600 s
  'cli-signals': 60_000, // interrupts training runs of the command-line program
  'cli-flags': 60_000, // spawns the command-line program with mistaken flags
  'cli-predict': 60_000, // spawns predict on folders and unreadable pictures
  'training-golden': 120_000, // two MiniVGGNet steps on tfjs-backend-cpu, whose gradients are slow
  'reproducible-threads': 120_000, // trains in child processes on one thread and on two
  'ownership-hostile': 60_000, // savers, a loader and downloads in separate PID namespaces (root, unshare)
  'images-hostile': 60_000, // decompression and scan bombs, measured in a child process
  'full-disk-hostile': 60_000, // nearly full and read-only tmpfs mounts (root)
  readme: 60_000, // spawns the README's examples; the tour's training run may take 600 s
  tsdoc: 120_000, // type-checks every TSDoc @example with tsc
  'api-docs': 60_000, // builds the API reference with typedoc (setup: 300 s) and opens it from disk in Chromium
  'datasets-bombs': 30_000, // inflates gzip bombs in a child process (setup: 120 s)
  'pretrained-accuracy': 60_000, // classifies the 10,000 test images (300 s)
};

// A slow suite without a timeout here would run in neither command.
const e2eFiles = readdirSync(fileURLToPath(new URL('./test', import.meta.url)), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.e2e.test.ts'));
for (const file of e2eFiles) {
  if (!(file.replace(/\.e2e\.test\.ts$/, '') in E2E_TIMEOUTS)) throw new Error(`test/${file} has no timeout in vitest.config.ts's E2E_TIMEOUTS.`);
}

const e2e = Object.entries(E2E_TIMEOUTS).map(
  ([name, timeout]): TestProjectInlineConfiguration => ({
    extends: true,
    test: { name: `e2e:${name}`, include: [`test/${name}.e2e.test.ts`], testTimeout: timeout, hookTimeout: timeout, sequence: { groupOrder: 2 } },
  }),
);

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
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.e2e.test.ts', ...THREADED],
          maxWorkers: '100%',
          sequence: { groupOrder: 0 },
          ...UNIT_TIMEOUTS,
        },
      },
      {
        extends: true,
        test: { name: 'unit:threads', include: THREADED, maxWorkers: 1, sequence: { groupOrder: 1 }, ...UNIT_TIMEOUTS },
      },
      ...e2e,
    ],
  },
});
