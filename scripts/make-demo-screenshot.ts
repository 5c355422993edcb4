// Makes docs/images/browser-demo.png, the README's picture of the demo page: the demo built with
// Vite over 6,000 training and 1,000 test images of the real data, trained for 3 epochs on wasm with
// the library's kernels in headless Chromium (Debian's), then a real test image (the first of the
// sample's test split) dropped on the Classify panel. Needs the data (apt-get install
// dataset-fashion-mnist) and chromium.
//   npx tsx scripts/make-demo-screenshot.ts [out.png]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';
import { prepareDemoData } from '../examples/browser/prepare-data.js';
import { encodePng, loadFashionMnist } from '../src/node.js';
import { launchChromium } from '../test/helpers/chromium.js';

const out = process.argv[2] ?? 'docs/images/browser-demo.png';
const CONFIG = 'examples/browser/vite.config.ts';
const work = await mkdtemp(join(tmpdir(), 'tfjs-fashion-mnist-screenshot-'));
try {
  const dataDir = join(work, 'public', 'data');
  const manifest = await prepareDemoData({ train: 6000, test: 1000, outDir: dataDir });
  const { test } = await loadFashionMnist({ dir: dataDir, checksums: manifest.checksums });
  const outDir = join(work, 'dist');
  await build({ configFile: CONFIG, publicDir: join(work, 'public'), build: { outDir }, logLevel: 'error' });
  const server = await preview({ configFile: CONFIG, build: { outDir }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('The preview server has no TCP address.');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => console.error(`pageerror: ${error.message}`));
    await page.goto(`http://127.0.0.1:${address.port}/?backend=wasm&train=6000&test=1000&epochs=3&autostart`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset['state'] ?? ''), null, { timeout: 900_000, polling: 1000 });
    console.log(await page.textContent('#status'));
    const gray = test.images.subarray(0, 784);
    const rgb = new Uint8Array(784 * 3);
    gray.forEach((level, p) => rgb.fill(level, p * 3, p * 3 + 3));
    await page.setInputFiles('#photo', { name: 'test-image-0.png', mimeType: 'image/png', buffer: Buffer.from(encodePng({ width: 28, height: 28, data: rgb })) });
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#classify')!.dataset['predictions'] ?? 0) > 0, null, { timeout: 60_000 });
    console.log(`test image 0 is label ${test.labels[0]}; panel: ${(await page.textContent('#predictions'))?.replace(/\s+/g, ' ')}`);
    await page.screenshot({ path: out, fullPage: true });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
