// The Chromium configuration of `npm run bench`: builds bench/browser with Vite, serves it
// cross-origin isolated, runs it in Debian's headless Chromium through playwright-core and prints
// the page's result as one JSON line, like bench/backend.ts does for the Node configurations.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview, type InlineConfig } from 'vite';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const root = resolve(import.meta.dirname, 'browser');
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const outDir = await mkdtemp(join(tmpdir(), 'tfjs-fashion-mnist-bench-'));
// Whitespace-only minification, as in examples/browser/vite.config.ts: the threaded wasm build
// breaks when identifiers are renamed.
const config: InlineConfig = {
  root,
  configFile: false,
  base: './',
  logLevel: 'error',
  preview: { port: 0, host: '127.0.0.1', headers },
  build: { outDir, target: 'es2022', minify: false, rolldownOptions: { output: { minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } } } } },
};

await build(config);
const server = await preview(config);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('The preview server has no TCP address.');
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${address.port}/${process.argv[2] ?? ''}`);
  await page.waitForFunction(() => (window as { benchResult?: unknown }).benchResult !== undefined, null, { timeout: 20 * 60_000, polling: 1000 });
  const result = (await page.evaluate(() => (window as { benchResult?: unknown }).benchResult)) as Record<string, unknown>;
  if ('error' in result && !('train' in result)) throw new Error(`The benchmark page failed: ${String(result['error'])}`);
  console.log(JSON.stringify({ ...result, browser: browser.version() }));
} finally {
  await browser.close();
  await server.close();
  await rm(outDir, { recursive: true, force: true });
}
