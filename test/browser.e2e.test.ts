// End-to-end test of the browser demo (examples/browser) in Debian's Chromium, driven by
// playwright-core: the demo is built with Vite over a small sample of the real data, served by
// Vite's preview server, and trained for a few steps on each backend (WebGPU on Chromium's software
// adapter, SwiftShader); its Classify panel is given
// drawings made with the mouse and real test images as PNG files.
import '@tensorflow/tfjs-backend-cpu';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoData, type DemoDataManifest } from '../examples/browser/prepare-data.js';
import { classifyImages, encodePng, FASHION_MNIST_LABELS, loadFashionMnist, loadPretrainedModel, type FashionMnistSplit } from '../src/node.js';
import { launchChromium } from './helpers/chromium.js';
import { CHROMIUM, FASHION_MNIST, missing } from './helpers/requirements.js';
import { tempDir } from './helpers/temp-dir.js';

const CONFIG = 'examples/browser/vite.config.ts';
const SCREENSHOTS = 'output/browser';

const work = tempDir('browser');
let server: PreviewServer;
let browser: Browser;
let origin: string;
let manifest: DemoDataManifest;
let test: FashionMnistSplit;

beforeAll(async () => {
  const dataDir = join(work, 'public', 'data');
  manifest = await prepareDemoData({ train: 256, test: 128, outDir: dataDir });
  test = (await loadFashionMnist({ dir: dataDir, checksums: manifest.checksums })).test;
  const outDir = join(work, 'dist');
  await build({ configFile: CONFIG, publicDir: join(work, 'public'), build: { outDir }, logLevel: 'error' });
  server = await preview({ configFile: CONFIG, build: { outDir }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('The preview server has no TCP address.');
  origin = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium({ webgpu: true });
  await mkdir(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
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

/** One row of the Classify panel's top-3 list. */
interface PanelRow {
  label: string;
  percent: string;
  probability: number;
}

/** The Classify panel's status line and top-3 rows. */
async function panelResult(page: Page): Promise<{ status: string; rows: PanelRow[] }> {
  return page.evaluate(() => ({
    status: document.querySelector('#classify-status')?.textContent ?? '',
    rows: Array.from(document.querySelectorAll<HTMLLIElement>('#predictions li'), (item) => ({
      label: item.querySelector('.class-name')?.textContent ?? '',
      percent: item.querySelector('.percent')?.textContent ?? '',
      probability: Number(item.dataset['probability']),
    })),
  }));
}

/** Waits until the panel has shown `count` predictions since the page loaded, or shows an error; returns its state. */
async function panelSettled(page: Page, count: number, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    (n) => {
      const panel = document.querySelector<HTMLElement>('#classify')!;
      return panel.dataset['state'] === 'error' || Number(panel.dataset['predictions']) >= n;
    },
    count,
    { timeout, polling: 100 },
  );
  return page.evaluate(() => document.querySelector<HTMLElement>('#classify')!.dataset['state'] ?? '');
}

/** Draws strokes on the panel's canvas with the mouse; points are fractions of its width and height. */
async function draw(page: Page, strokes: [number, number][][]): Promise<void> {
  const box = (await page.locator('#sketch').boundingBox())!;
  const at = ([x, y]: [number, number]): [number, number] => [box.x + x * box.width, box.y + y * box.height];
  for (const [first, ...rest] of strokes) {
    await page.mouse.move(...at(first!));
    await page.mouse.down();
    for (const point of rest) await page.mouse.move(...at(point), { steps: 8 });
    await page.mouse.up();
  }
}

/** Checks the top-3 rows: distinct class names, percentages as printed, most probable first, summing to at most 1. */
function expectTopThree(rows: PanelRow[]): void {
  expect(rows).toHaveLength(3);
  expect(new Set(rows.map((row) => row.label)).size).toBe(3);
  for (const row of rows) {
    expect(FASHION_MNIST_LABELS).toContain(row.label);
    expect(row.probability).toBeGreaterThanOrEqual(0);
    expect(row.percent).toBe(`${(row.probability * 100).toFixed(1)}%`);
  }
  expect(rows[0]!.probability).toBeGreaterThanOrEqual(rows[1]!.probability);
  expect(rows[1]!.probability).toBeGreaterThanOrEqual(rows[2]!.probability);
  expect(rows.reduce((sum, row) => sum + row.probability, 0)).toBeLessThanOrEqual(1 + 1e-6);
}

/** One stroke that fills a rectangle (fractions of the canvas) back and forth, rows (or columns) `step` apart. */
function fill(x0: number, x1: number, y0: number, y1: number, step: number, columns = false): [number, number][] {
  const points: [number, number][] = [];
  const [from, to] = columns ? [x0, x1] : [y0, y1];
  for (let at = from, i = 0; at <= to + 1e-9; at += step, i++) {
    const ends: [number, number][] = columns ? [[at, y0], [at, y1]] : [[x0, at], [x1, at]];
    points.push(...(i % 2 === 0 ? ends : ends.reverse()));
  }
  return points;
}

// Garments drawn as Fashion-MNIST shows them, filled white shapes on black: trousers (waist, then
// each leg) and a T-shirt (shoulders and sleeves, then the body).
const TROUSERS = [fill(0.3, 0.7, 0.1, 0.3, 0.07), fill(0.3, 0.44, 0.25, 0.92, 0.07, true), fill(0.56, 0.7, 0.25, 0.92, 0.07, true)];
const T_SHIRT = [fill(0.12, 0.88, 0.18, 0.4, 0.07), fill(0.3, 0.7, 0.4, 0.88, 0.07)];

/** A grayscale split image as an RGB PNG file, optionally inverted (dark garment on white). */
function pngOf(split: FashionMnistSplit, index: number, invert = false): Buffer {
  const gray = split.images.subarray(index * 784, (index + 1) * 784);
  const data = new Uint8Array(784 * 3);
  gray.forEach((level, p) => data.fill(invert ? 255 - level : level, p * 3, p * 3 + 3));
  return Buffer.from(encodePng({ width: 28, height: 28, data }));
}

describe.skipIf(missing(CHROMIUM, FASHION_MNIST))('browser demo', () => {
  it('loads the verified sample, trains on wasm with the training kernels, and shows the report, confusion matrix and montage', async () => {
    const { page, log } = await openDemo('?backend=wasm&train=128&test=128&epochs=2&autostart');
    const state = await finished(page, 300_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-wasm.png'), fullPage: true });
    const status = await page.textContent('#status');
    expect(state, status ?? '').toBe('done');

    expect(status).toMatch(
      new RegExp(`^Loaded 256 training and 128 test images from ${origin}/data/ \\(SHA-256 verified\\) · backend: wasm, (\\d+) threads?, training kernels, SIMD kernels on \\1 threads? · done: 2 epochs in \\d+\\.\\d s, test accuracy \\d+\\.\\d\\d%\\. Press Train to run again\\.$`),
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
    // The report rounds the same accuracy to two decimals, so they differ by at most half a unit of
    // that digit, exactly half at a tie (48 of 128 is 37.50%, reported as 0.38).
    expect(Math.abs(Number(headlineAccuracy![1]) / 100 - Number(reportAccuracy![1]))).toBeLessThanOrEqual(0.005 + 1e-12);

    const confusion = await page.innerHTML('#confusion');
    for (const name of [...FASHION_MNIST_LABELS, 'Confusion matrix', 'Predicted label', 'True label']) expect(confusion).toContain(name);

    // Montage: 4x4 tiles of 96 px, each captioned in green or red, nothing else in those colours.
    const montage = await captionColours(page);
    expect([montage.width, montage.height]).toEqual([384, 384]);
    for (const [green, red] of montage.tiles) {
      expect(green + red).toBeGreaterThan(20);
      expect(Math.min(green, red)).toBe(0);
    }

    // The Classify panel offers the model just trained: the same drawing, classified by the
    // pretrained model, by the trained one, and by the pretrained one again.
    const trainedAs = `2 epochs on 128 images, test accuracy ${headlineAccuracy![1]}%`;
    expect(await page.isEnabled('#model-trained')).toBe(true);
    expect(await page.textContent('#trained-info')).toBe(`(${trainedAs})`);
    await draw(page, TROUSERS.slice(0, 2));
    expect(await panelSettled(page, 2)).toBe('ready');
    const pretrainedResult = await panelResult(page);
    expect(pretrainedResult.status).toBe('Top 3 classes for your drawing, according to the pretrained model:');
    await page.check('#model-trained');
    expect(await panelSettled(page, 3)).toBe('ready');
    const trainedResult = await panelResult(page);
    expect(trainedResult.status).toBe(`Top 3 classes for your drawing, according to the model trained on this page (${trainedAs}):`);
    expectTopThree(trainedResult.rows);
    // Two different models: not one of the six probabilities shown is likely to coincide.
    expect(trainedResult.rows.map((row) => row.probability)).not.toEqual(pretrainedResult.rows.map((row) => row.probability));
    await page.locator('#classify').screenshot({ path: join(SCREENSHOTS, 'classify-trained-model.png') });
    await page.check('#model-pretrained');
    expect(await panelSettled(page, 4)).toBe('ready');
    expect(await panelResult(page)).toEqual(pretrainedResult);

    expect(log.errors).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 360_000);

  it('classifies drawings made with the mouse, one prediction per stroke, with the pretrained model', async () => {
    const { page, log } = await openDemo('');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#classify')?.dataset['state'] !== 'loading', null, { timeout: 60_000 });
    expect(await panelResult(page)).toEqual({ status: 'Pretrained model ready: draw a garment or drop a photo.', rows: [] });
    // Vite copied both files into the build as assets (not inlined), and the page fetched them from there.
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
    expect(fetched.filter((url) => /\/assets\/(model-[\w-]+\.json|weights-[\w-]+\.bin)$/.test(url)).map((url) => url.slice(0, origin.length))).toEqual([origin, origin]);

    await draw(page, TROUSERS);
    expect(await panelSettled(page, TROUSERS.length)).toBe('ready');
    // Predictions happen on pointerup: one per stroke, none for the moves in between.
    await page.waitForTimeout(500);
    expect(await page.getAttribute('#classify', 'data-predictions')).toBe(String(TROUSERS.length));
    const trousers = await panelResult(page);
    expect(trousers.status).toBe('Top 3 classes for your drawing, according to the pretrained model:');
    expectTopThree(trousers.rows);
    await page.locator('#classify').screenshot({ path: join(SCREENSHOTS, 'classify-drawing-trousers.png') });

    await page.click('#clear-sketch');
    expect(await panelResult(page)).toEqual({ status: 'Draw a garment or drop a photo.', rows: [] });
    const lit = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#sketch')!;
      return canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data.filter((v, i) => i % 4 !== 3 && v !== 0).length;
    });
    expect(lit).toBe(0);

    await draw(page, T_SHIRT);
    expect(await panelSettled(page, TROUSERS.length + T_SHIRT.length)).toBe('ready');
    const shirt = await panelResult(page);
    expect(shirt.status).toBe('Top 3 classes for your drawing, according to the pretrained model:');
    expectTopThree(shirt.rows);
    expect(shirt.rows).not.toEqual(trousers.rows);
    await page.locator('#classify').screenshot({ path: join(SCREENSHOTS, 'classify-drawing-t-shirt.png') });
    console.log(`drawn trousers: ${trousers.rows.map((r) => `${r.label} ${r.percent}`).join(', ')}; drawn T-shirt: ${shirt.rows.map((r) => `${r.label} ${r.percent}`).join(', ')}`);

    expect(log.errors).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 120_000);

  it('classifies real test images uploaded or dropped as PNG files as their true labels, and reports files it cannot read', async () => {
    // Two test images of different classes that the pretrained model gets right with a margin, found in Node.
    const model = await loadPretrainedModel();
    const count = 64;
    const results = await classifyImages(model, Array.from({ length: count }, (_, i) => test.images.subarray(i * 784, (i + 1) * 784)));
    model.dispose();
    const confident = results.flatMap((result, i) => (result.classIndex === test.labels[i] && result.probability >= 0.9 ? [i] : []));
    const first = confident[0]!;
    const second = confident.find((i) => test.labels[i] !== test.labels[first])!;
    expect(second).toBeDefined();

    const { page, log } = await openDemo('');
    const name = (i: number) => `test-${i}-${FASHION_MNIST_LABELS[test.labels[i]!]!.replace('/', '-')}.png`;
    await page.setInputFiles('#photo', { name: name(first), mimeType: 'image/png', buffer: pngOf(test, first) });
    expect(await panelSettled(page, 1)).toBe('ready');
    const uploaded = await panelResult(page);
    expect(uploaded.status).toBe(`Top 3 classes for ${name(first)}, according to the pretrained model:`);
    expectTopThree(uploaded.rows);
    expect(uploaded.rows[0]!.label).toBe(FASHION_MNIST_LABELS[test.labels[first]!]);
    // The same pixels and preprocessing as in Node: the same probability, up to the backends' rounding.
    expect(uploaded.rows[0]!.probability).toBeCloseTo(results[first]!.probability, 3);
    await page.locator('#classify').screenshot({ path: join(SCREENSHOTS, 'classify-uploaded-test-image.png') });

    // Dropped on the panel: a drop event carrying the file, as the browser sends it.
    await page.evaluate(
      ({ bytes, fileName }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], fileName, { type: 'image/png' }));
        document.querySelector('#classify')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      },
      { bytes: [...pngOf(test, second)], fileName: name(second) },
    );
    expect(await panelSettled(page, 2)).toBe('ready');
    const dropped = await panelResult(page);
    expect(dropped.status).toBe(`Top 3 classes for ${name(second)}, according to the pretrained model:`);
    expect(dropped.rows[0]!.label).toBe(FASHION_MNIST_LABELS[test.labels[second]!]);

    // Dark on light, as a photo usually is: inverted by classifyImage's invert: 'auto', back to the test image.
    await page.setInputFiles('#photo', { name: 'inverted.png', mimeType: 'image/png', buffer: pngOf(test, first, true) });
    expect(await panelSettled(page, 3)).toBe('ready');
    const inverted = await panelResult(page);
    expect(inverted.status).toBe('Top 3 classes for inverted.png, according to the pretrained model:');
    expect(inverted.rows).toEqual(uploaded.rows);

    // Files that are no picture: the panel says so, and stays usable.
    await page.setInputFiles('#photo', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('a shoe') });
    expect(await panelSettled(page, 4)).toBe('error');
    expect(await panelResult(page)).toEqual({ status: 'notes.txt is not an image (its type is text/plain): choose a PNG or JPEG photo.', rows: [] });
    await page.setInputFiles('#photo', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a PNG at all') });
    await page.waitForFunction(() => document.querySelector('#classify-status')?.textContent?.startsWith('broken.png'), null, { timeout: 30_000 });
    expect((await panelResult(page)).status).toMatch(/^broken\.png could not be decoded as an image \(.+\): choose a PNG or JPEG photo\.$/);
    await page.locator('#classify').screenshot({ path: join(SCREENSHOTS, 'classify-error.png') });
    await page.setInputFiles('#photo', { name: name(first), mimeType: 'image/png', buffer: pngOf(test, first) });
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#classify')!.dataset['predictions'] === '4', null, { timeout: 30_000 });
    expect(await panelResult(page)).toEqual(uploaded);

    expect(log.errors).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 120_000);

  it('reports a pretrained weights file that is not the shipped one in the panel, and loads the right one when next used', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const weights = '**/assets/weights-*.bin';
    await page.route(weights, async (route) => {
      const response = await route.fetch();
      const body = await response.body();
      body[body.length - 1]! ^= 1; // One bit of the last weight: only the digest can tell.
      await route.fulfill({ response, body });
    });
    await page.goto(`${origin}/`);
    expect(await panelSettled(page, 1)).toBe('error');
    expect((await panelResult(page)).status).toMatch(
      new RegExp(`^DataVerificationError: ${origin}/assets/weights-[\\w-]+\\.bin: the SHA-256 of this package version's pretrained file should be [0-9a-f]{64} but is [0-9a-f]{64}\\. Draw or drop a photo to try again\\.$`),
    );
    await page.locator('#classify').screenshot({ path: join(SCREENSHOTS, 'classify-load-error.png') });
    await page.unroute(weights);
    await draw(page, T_SHIRT.slice(0, 1));
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#classify')!.dataset['predictions'] === '1', null, { timeout: 60_000 });
    expect((await panelResult(page)).status).toBe('Top 3 classes for your drawing, according to the pretrained model:');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

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

  it('trains on webgpu where the browser has an adapter', async () => {
    const { page, log } = await openDemo('?backend=webgpu&train=32&test=16&epochs=1&autostart');
    const state = await finished(page, 300_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-webgpu.png'), fullPage: true });
    expect(state, (await page.textContent('#status')) ?? '').toBe('done');
    expect(await page.textContent('option[value=webgpu]')).toBe('WebGPU');
    expect(await page.textContent('#status')).toMatch(/· backend: webgpu · done: 1 epoch in \d+\.\d s, test accuracy \d+\.\d\d%\. Press Train to run again\.$/);
    expect(await page.textContent('#live')).toMatch(/^epoch 1\/1 · step 1\/1 · loss \d+\.\d{4}/);
    expect(parseReport((await page.textContent('#report')) ?? '').get('weighted avg')?.[3]).toBe(16);
    expect(log.errors).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
    await page.close();
  }, 360_000);

  it('offers WebGPU disabled, and says why, in a browser without an adapter', async () => {
    const plain = await launchChromium();
    try {
      const page = await plain.newPage();
      await page.goto(`${origin}/?backend=webgpu`);
      await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset['state'] ?? ''), null, { timeout: 60_000 });
      expect(await page.isDisabled('option[value=webgpu]')).toBe(true);
      expect(await page.textContent('option[value=webgpu]')).toBe('WebGPU (not available in this browser)');
      await page.click('button[type=submit]');
      expect(await finished(page, 60_000)).toBe('error');
      expect(await page.textContent('#status')).toBe('Error: This browser has no WebGPU adapter: choose another backend.');
    } finally {
      await plain.close();
    }
  }, 120_000);

  it('reports settings out of range instead of training', async () => {
    const { page, log } = await openDemo('?train=100000&autostart');
    expect(await finished(page, 60_000)).toBe('error');
    expect(await page.textContent('#status')).toBe('Error: Training images must be a whole number from 32 to 256, but is "100000".');
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
