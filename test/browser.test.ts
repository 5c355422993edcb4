// End-to-end test of the browser demo (examples/browser) in Debian's Chromium, driven by
// playwright-core: the demo is built with Vite over a small sample of the real data, served by
// Vite's preview server, and trained for a few steps on each backend.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoData, type DemoDataManifest } from '../examples/browser/prepare-data.js';
import { FASHION_MNIST_LABELS, loadFashionMnist, type FashionMnistSplit } from '../src/node.js';
import { CHROMIUM_PATH, launchChromium } from './helpers/chromium.js';

const CONFIG = 'examples/browser/vite.config.ts';
const SCREENSHOTS = 'output/browser';

let work: string;
let server: PreviewServer;
let browser: Browser;
let origin: string;
let manifest: DemoDataManifest;
let test: FashionMnistSplit;

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: install it with \`apt-get install chromium\` or set CHROMIUM_PATH.`);
  }
  work = await mkdtemp(join(tmpdir(), 'tfjs-fashion-mnist-browser-'));
  const dataDir = join(work, 'public', 'data');
  manifest = await prepareDemoData({ train: 256, test: 128, outDir: dataDir });
  test = (await loadFashionMnist({ dir: dataDir, checksums: manifest.checksums })).test;
  const outDir = join(work, 'dist');
  await build({ configFile: CONFIG, publicDir: join(work, 'public'), build: { outDir }, logLevel: 'error' });
  server = await preview({ configFile: CONFIG, build: { outDir }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('The preview server has no TCP address.');
  origin = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface PageLog {
  errors: string[];
  foreignRequests: string[];
}

/** Opens the demo with `query`, recording page errors, console errors and requests to other origins. */
async function openDemo(query: string): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const log: PageLog = { errors: [], foreignRequests: [] };
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') log.errors.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) log.foreignRequests.push(url);
  });
  await page.goto(`${origin}/${query}`);
  return { page, log };
}

/** Waits until the demo reports done or error, and returns which. */
async function finished(page: Page, timeout: number): Promise<string> {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset['state'] ?? ''), null, { timeout, polling: 500 });
  return page.evaluate(() => document.body.dataset['state'] ?? '');
}

/** Reads the report's class rows: name → [precision, recall, f1, support]. */
function parseReport(report: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of report.split('\n')) {
    const match = /^\s*([a-z ]+?)\s+(\d\.\d\d)\s+(\d\.\d\d)\s+(\d\.\d\d)\s+(\d+)$/.exec(line);
    if (match) rows.set(match[1]!, match.slice(2).map(Number));
  }
  return rows;
}

/** Counts, per montage tile, pixels of the caption colours: [green, red]. */
async function captionColours(page: Page): Promise<{ width: number; height: number; tiles: [number, number][] }> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#montage')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const tiles: [number, number][] = [];
    for (let tile = 0; tile < 16; tile++) {
      const x0 = (tile % 4) * 96;
      const y0 = Math.floor(tile / 4) * 96;
      let green = 0;
      let red = 0;
      for (let y = y0; y < y0 + 96; y++) {
        for (let x = x0; x < x0 + 96; x++) {
          const i = (y * canvas.width + x) * 4;
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          if (g > 200 && r < 60 && b < 60) green++;
          if (r > 200 && g < 60 && b < 60) red++;
        }
      }
      tiles.push([green, red]);
    }
    return { width: canvas.width, height: canvas.height, tiles };
  });
}

describe('browser demo', () => {
  it('loads the verified sample, trains on wasm with the training kernels, and shows the report, confusion matrix and montage', async () => {
    const { page, log } = await openDemo('?backend=wasm&train=128&test=128&epochs=2&autostart');
    const state = await finished(page, 300_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-wasm.png'), fullPage: true });
    const status = await page.textContent('#status');
    expect(state, status ?? '').toBe('done');

    expect(status).toMatch(
      new RegExp(`^Loaded 256 training and 128 test images from ${origin}/data/ \\(SHA-256 verified\\) · backend: wasm, \\d+ threads?, training kernels · done: 2 epochs in \\d+\\.\\d s, test accuracy \\d+\\.\\d\\d%\\. Press Train to run again\\.$`),
    );
    expect(await page.isEnabled('button[type=submit]')).toBe(true);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    // Live progress: the last batch of the second epoch, with a finite loss.
    const live = (await page.textContent('#live')) ?? '';
    const progress = /^epoch 2\/2 · step 4\/4 · loss (\d+\.\d{4}) · accuracy (\d\.\d{4}) · [\d.]+ images\/s$/.exec(live);
    expect(progress, live).not.toBeNull();
    expect(Number(progress![1])).toBeGreaterThan(0);
    expect(await page.evaluate(() => (document.querySelector('progress') as HTMLProgressElement).value)).toBe(8);
    const historyChart = await page.innerHTML('#history-chart');
    for (const series of ['train_loss', 'val_loss', 'train_acc', 'val_acc', 'Epoch #']) expect(historyChart).toContain(series);
    expect(await page.innerHTML('#batch-chart')).toContain('Epoch 2: running loss and accuracy');

    // The report covers the 128 test images, class by class.
    const report = (await page.textContent('#report')) ?? '';
    const rows = parseReport(report);
    expect([...rows.keys()]).toEqual([...FASHION_MNIST_LABELS, 'macro avg', 'weighted avg']);
    expect(rows.get('weighted avg')![3]).toBe(128);
    FASHION_MNIST_LABELS.forEach((name, label) => {
      expect(rows.get(name)![3], name).toBe(test.labels.filter((l) => l === label).length);
    });
    const reportAccuracy = /accuracy\s+(\d\.\d\d)\s+128/.exec(report);
    expect(reportAccuracy, report).not.toBeNull();
    const headline = (await page.textContent('#accuracy')) ?? '';
    const headlineAccuracy = /^test accuracy (\d+\.\d\d)% on 128 images$/.exec(headline);
    expect(headlineAccuracy, headline).not.toBeNull();
    expect(Number(headlineAccuracy![1]) / 100).toBeCloseTo(Number(reportAccuracy![1]), 2);

    const confusion = await page.innerHTML('#confusion');
    for (const name of [...FASHION_MNIST_LABELS, 'Confusion matrix', 'Predicted label', 'True label']) expect(confusion).toContain(name);

    // Montage: 4x4 tiles of 96 px, each captioned in green or red, nothing else in those colours.
    const montage = await captionColours(page);
    expect([montage.width, montage.height]).toEqual([384, 384]);
    for (const [green, red] of montage.tiles) {
      expect(green + red).toBeGreaterThan(20);
      expect(Math.min(green, red)).toBe(0);
    }

    expect(log.errors).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 360_000);

  it('trains on webgl', async () => {
    const { page, log } = await openDemo('?backend=webgl&train=64&test=32&epochs=1&autostart');
    const state = await finished(page, 300_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-webgl.png'), fullPage: true });
    expect(state, (await page.textContent('#status')) ?? '').toBe('done');
    expect(await page.textContent('#status')).toMatch(/· backend: webgl · done: 1 epoch in \d+\.\d s, test accuracy \d+\.\d\d%\. Press Train to run again\.$/);
    expect(await page.textContent('#live')).toMatch(/^epoch 1\/1 · step 2\/2 · loss \d+\.\d{4}/);
    expect(parseReport((await page.textContent('#report')) ?? '').get('weighted avg')?.[3]).toBe(32);
    expect(log.errors).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 360_000);

  it('reports settings out of range instead of training', async () => {
    const { page, log } = await openDemo('?train=100000&autostart');
    expect(await finished(page, 60_000)).toBe('error');
    expect(await page.textContent('#status')).toBe('Error: "train" must be a whole number from 32 to 256, but is "100000".');
    // Train is usable again: corrected settings run to the end.
    expect(await page.isEnabled('button[type=submit]')).toBe(true);
    await page.fill('input[name=train]', '32');
    await page.fill('input[name=test]', '16');
    await page.fill('input[name=epochs]', '1');
    await page.click('button[type=submit]');
    expect(await finished(page, 120_000)).toBe('done');
    expect(await page.textContent('#status')).toMatch(/ · done: 1 epoch in \d+\.\d s, test accuracy \d+\.\d\d%\. Press Train to run again\.$/);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 180_000);

  it('refuses a data file whose content differs from the manifest, naming the file and the digests', async () => {
    const path = join(work, 'dist', 'data', 't10k-labels-idx1-ubyte.gz');
    const labels = gunzipSync(await readFile(path));
    labels[8] = (labels[8]! + 1) % 10; // Still a valid IDX file: only the checksum can tell.
    const page = await browser.newPage();
    await page.route('**/data/t10k-labels-idx1-ubyte.gz', (route) => route.fulfill({ status: 200, contentType: 'application/gzip', body: gzipSync(labels) }));
    await page.goto(`${origin}/`);
    expect(await finished(page, 60_000)).toBe('error');
    expect(await page.textContent('#status')).toMatch(
      new RegExp(`^DataVerificationError: ${origin}/data/t10k-labels-idx1-ubyte\\.gz: the SHA-256 of the decompressed content should be ${manifest.checksums.testLabels} but is [0-9a-f]{64}\\.$`),
    );
    await page.close();
  }, 120_000);
});
