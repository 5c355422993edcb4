// The Chromium configuration of `npm run bench`: builds bench/browser with Vite, serves it
// cross-origin isolated, runs it in Debian's headless Chromium through playwright-core and prints
// the page's result as one JSON line, like bench/backend.ts does for the Node configurations.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview, type InlineConfig } from 'vite';
import { crossOriginIsolation } from '../examples/browser/vite.config.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npx tsx bench/browser.ts ['?<parameters>']
  The Chromium configuration of npm run bench; prints one JSON line. Page parameters:
  simd=0          keep every kernel on XNNPACK (none of the library's SIMD kernels)
  batches=<list>  training batch sizes (default 32,128)
  steps=<n>       timed steps at batch 32 and below (default 20)
  e.g. npx tsx bench/browser.ts '?simd=0&batches=32'
`);

const outDir = await mkdtemp(join(tmpdir(), 'tfjs-fashion-mnist-bench-'));
// The demo's cross-origin isolation (threads); Vite's default minification, as the page passes
// useWasmBackend the threaded build's own file (threadedScript).
const config: InlineConfig = {
  root: resolve(import.meta.dirname, 'browser'),
  configFile: false,
  base: './',
  logLevel: 'error',
  preview: { port: 0, host: '127.0.0.1', headers: crossOriginIsolation },
  build: { outDir, target: 'es2022' },
};

await build(config);
const server = await preview(config);
const browser = await launchChromium();
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
