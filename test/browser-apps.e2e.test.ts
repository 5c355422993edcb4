// The package in web apps as users make them, in Debian's Chromium: the packed tarball installed into
// apps shaped as `npm create vite` (vanilla-ts) makes them, set up as the README says (the package's
// examples/browser-setup.ts, and for threads its examples/vite-config.ts), built with Vite's default
// (minified) build, and one bundled by esbuild --minify. Each page trains MiniVGGNet for two steps on
// the wasm backend and classifies test images with the pretrained model: on one thread with the
// SIMD kernels where the page is not cross-origin isolated, on every core where it is, and on one
// thread after one warning where the threads cannot start (minified without threadedScript, or a
// worker script that never arrives).
import '@tensorflow/tfjs-backend-cpu';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoData } from '../examples/browser/prepare-data.js';
import { classifyImages, loadFashionMnist, loadPretrainedModel } from '../src/node.js';
import { launchChromium } from './helpers/chromium.js';
import { packPackage } from './helpers/pack.js';
import { CHROMIUM, FASHION_MNIST, missing } from './helpers/requirements.js';
import { serveStatic } from './helpers/static-server.js';
import { tempDir } from './helpers/temp-dir.js';
import { APP_TEST_IMAGES, type AppReport, createViteApp } from './helpers/vite-app.js';

const work = tempDir('browser-apps');
const servers: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];
let browser: Browser;
/** The pretrained model's classes for the sample's first test images, on tfjs-backend-cpu in Node. */
let expectedPredictions: number[];
let expectedLabels: number[];

const apps = { plain: join(work, 'plain'), isolated: join(work, 'isolated') };

beforeAll(async () => {
  const { tarball } = packPackage(work);
  const dataDir = join(work, 'data');
  const manifest = await prepareDemoData({ train: 128, test: 64, outDir: dataDir });
  for (const [name, dir] of Object.entries(apps)) {
    createViteApp(dir, tarball, name === 'isolated');
    cpSync(dataDir, join(dir, 'public', 'data'), { recursive: true });
    // The app's own build script: tsc type-checks it against the installed package, then Vite builds it.
    execFileSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const { test } = await loadFashionMnist({ dir: dataDir, checksums: manifest.checksums });
  const model = await loadPretrainedModel();
  const images = Array.from({ length: APP_TEST_IMAGES }, (_, i) => test.images.subarray(i * 784, (i + 1) * 784));
  expectedPredictions = (await classifyImages(model, images)).map((result) => result.classIndex);
  expectedLabels = Array.from(test.labels.subarray(0, APP_TEST_IMAGES));
  model.dispose();
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.kill();
  for (const close of closers) await close();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the app's own Vite (`vite preview` or the dev server `vite`) and resolves to its origin once it answers. */
async function startVite(dir: string, command: 'preview' | 'dev'): Promise<string> {
  const port = await freePort();
  const args = command === 'preview' ? ['preview'] : [];
  const server = spawn(process.execPath, [join(dir, 'node_modules/vite/bin/vite.js'), ...args, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  servers.push(server);
  const origin = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await fetch(`${origin}/`).then((response) => response.ok, () => false)) return origin;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`vite ${command} in ${dir} did not answer at ${origin}.`);
}

interface PageRun {
  report: AppReport;
  warnings: string[];
  errors: string[];
}

/** Opens `url`, waits for the app's report, and returns it with the page's warnings and errors. */
async function runPage(url: string): Promise<PageRun> {
  const page = await browser.newPage();
  const warnings: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => 'appReport' in window, null, { timeout: 240_000, polling: 250 });
    const report = await page.evaluate(() => (window as unknown as { appReport: AppReport }).appReport);
    return { report, warnings, errors };
  } finally {
    await page.close();
  }
}

/** What every app must have done: two training steps with a finite loss, and the pretrained model's classes as in Node. */
function expectTrainedAndClassified(report: AppReport): void {
  expect(report.error).toBeUndefined();
  expect(report.backendName).toBe('wasm');
  expect(report.losses).toHaveLength(2);
  for (const loss of report.losses!) expect(loss > 0 && loss < 10, `loss ${loss}`).toBe(true);
  expect(report.labels).toEqual(expectedLabels);
  expect(report.predictions).toEqual(expectedPredictions);
}

describe.skipIf(missing(CHROMIUM, FASHION_MNIST))('web apps using the packed package', () => {
  it("a default Vite app (no headers, Vite's minified build) runs on one thread with the SIMD kernels, and says why", async () => {
    const { report, warnings, errors } = await runPage(`${await startVite(apps.plain, 'preview')}/`);
    expect(report.crossOriginIsolated).toBe(false);
    expectTrainedAndClassified(report);
    expect(report.backend).toEqual({
      threads: 1,
      trainingKernels: true,
      simdKernelThreads: 1,
      fallback: { reason: 'not-cross-origin-isolated', message: expect.stringContaining('Cross-Origin-Embedder-Policy: require-corp') },
    });
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("a Vite app with the package's examples/vite-config.ts (COOP/COEP) runs on every core in Vite's minified build", async () => {
    const { report, warnings, errors } = await runPage(`${await startVite(apps.isolated, 'preview')}/`);
    expect(report.crossOriginIsolated).toBe(true);
    expectTrainedAndClassified(report);
    expect(report.backend).toEqual({ threads: report.cores, trainingKernels: true, simdKernelThreads: report.cores });
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("the same app runs on every core on Vite's dev server", async () => {
    const { report, warnings, errors } = await runPage(`${await startVite(apps.isolated, 'dev')}/`);
    expect(report.crossOriginIsolated).toBe(true);
    expectTrainedAndClassified(report);
    expect(report.backend).toEqual({ threads: report.cores, trainingKernels: true, simdKernelThreads: report.cores });
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  describe('an esbuild --minify bundle in a cross-origin isolated page', () => {
    let origin: string;

    beforeAll(async () => {
      const dir = join(work, 'esbuild');
      const site = join(dir, 'site');
      mkdirSync(join(site, 'wasm'), { recursive: true });
      // The plain app's sources and installed packages, bundled by esbuild instead of Vite; setup.ts
      // as the README says for other bundlers: the backend's files served from a folder.
      const app = apps.plain;
      writeFileSync(
        join(app, 'src', 'setup-esbuild.ts'),
        `import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadPretrainedModel } from 'tfjs-fashion-mnist';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

setWasmPaths(new URL('wasm/', location.href).href);
// ?no-script: without threadedScript; ?never: its server never answers, so the threads never start.
const query = new URLSearchParams(location.search);
const threadedScript = query.has('never') ? 'never/tfjs-backend-wasm-threaded-simd.js' : 'wasm/tfjs-backend-wasm-threaded-simd.js';
export const backend = await useWasmBackend(query.has('no-script') ? {} : { threadedScript, timeoutMs: query.has('never') ? 5000 : 30_000 });
export const model = await loadPretrainedModel({ modelUrl: 'pretrained/model.json' });
`,
      );
      const { build } = await import('esbuild');
      await build({
        absWorkingDir: app,
        entryPoints: ['src/main.ts'],
        bundle: true,
        minify: true,
        splitting: true,
        format: 'esm',
        outdir: site,
        plugins: [{ name: 'setup', setup: (b) => b.onResolve({ filter: /^\.\/setup\.ts$/ }, () => ({ path: join(app, 'src', 'setup-esbuild.ts') })) }],
        logLevel: 'error',
      });
      writeFileSync(join(site, 'index.html'), '<!doctype html><html><head><meta charset="UTF-8" /><link rel="icon" href="data:," /></head><body><div id="app"></div><script type="module" src="main.js"></script></body></html>\n');
      const backendFiles = join(app, 'node_modules/@tensorflow/tfjs-backend-wasm');
      for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) cpSync(join(backendFiles, 'dist', file), join(site, 'wasm', file));
      cpSync(join(backendFiles, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'), join(site, 'wasm/tfjs-backend-wasm-threaded-simd.js'));
      cpSync(join(app, 'node_modules/tfjs-fashion-mnist/pretrained'), join(site, 'pretrained'), { recursive: true });
      cpSync(join(app, 'public', 'data'), join(site, 'data'), { recursive: true });
      const server = await serveStatic(site, true);
      closers.push(server.close);
      origin = server.origin;
    }, 120_000);

    it("runs on every core with threadedScript (the threaded build's own file)", async () => {
      const { report, warnings, errors } = await runPage(`${origin}/`);
      expect(report.crossOriginIsolated).toBe(true);
      expectTrainedAndClassified(report);
      expect(report.backend).toEqual({ threads: report.cores, trainingKernels: true, simdKernelThreads: report.cores });
      expect(warnings).toEqual([]);
      expect(errors).toEqual([]);
    });

    it("runs on every core without it too: esbuild's minifier keeps the build's source text working", async () => {
      const { report, warnings, errors } = await runPage(`${origin}/?no-script`);
      expectTrainedAndClassified(report);
      expect(report.backend).toEqual({ threads: report.cores, trainingKernels: true, simdKernelThreads: report.cores });
      expect(warnings).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('gives up threads that do not start within timeoutMs, and runs on one thread after one warning', async () => {
      // The esbuild page's threadedScript comes from a server that never answers.
      const { report, warnings, errors } = await runPage(`${origin}/?never`);
      expectTrainedAndClassified(report);
      const message = 'tfjs-fashion-mnist: the threaded wasm backend did not start: it was not ready within 5000 ms (options.timeoutMs). It runs on one thread.';
      expect(report.backend).toEqual({ threads: 1, trainingKernels: true, simdKernelThreads: 1, fallback: { reason: 'threads-failed', message } });
      expect(warnings).toEqual([message]);
      expect(errors).toEqual([]);
    });
  });

  it("without threadedScript, Vite's minified build has its threads fail: one thread after one warning, never a hang", async () => {
    // The isolated app, with setup.ts calling useWasmBackend() without the threaded build's file.
    const dir = apps.isolated;
    writeFileSync(join(dir, 'src', 'setup-no-script.ts'), readFileSync(join(dir, 'src', 'setup.ts'), 'utf8').replace('useWasmBackend({ threadedScript })', 'useWasmBackend()'));
    writeFileSync(
      join(dir, 'vite.no-script.config.ts'),
      `import { mergeConfig } from 'vite';
import config from './vite.config.ts';

export default mergeConfig(config, {
  build: { outDir: 'dist-no-script' },
  plugins: [{ name: 'setup', enforce: 'pre' as const, resolveId: (id: string) => (id === './setup.ts' ? new URL('./src/setup-no-script.ts', import.meta.url).pathname : undefined) }],
});
`,
    );
    execFileSync(process.execPath, [join(dir, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.no-script.config.ts', '--logLevel', 'error'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const server = await serveStatic(join(dir, 'dist-no-script'), true);
    closers.push(server.close);
    const { report, warnings, errors } = await runPage(`${server.origin}/`);
    expect(report.crossOriginIsolated).toBe(true);
    expectTrainedAndClassified(report);
    const message = report.backend?.fallback?.message ?? '';
    expect(report.backend).toEqual({ threads: 1, trainingKernels: true, simdKernelThreads: 1, fallback: { reason: 'threads-failed', message } });
    expect(message).toMatch(/^tfjs-fashion-mnist: the threaded wasm backend did not start: its worker threads failed to load \(.*ReferenceError: .+\)\. It runs on one thread\. In a minified bundle, pass useWasmBackend\(\{ threadedScript \}\)/);
    // The example logs the fallback's message as information; the warning is the library's one.
    expect(warnings).toEqual([message]);
    expect(errors).toEqual([]);
  });
});
