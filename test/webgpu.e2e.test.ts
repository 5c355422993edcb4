// MiniVGGNet on @tensorflow/tfjs-backend-webgpu in Debian's Chromium, whose WebGPU runs on its
// software adapter, SwiftShader, on a machine without a GPU: one training step's loss and gradients
// against tfjs-backend-cpu in the same page (same weights, images and dropout masks), then a few
// training steps with trainFashionMnist.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/chromium.js';
import { CHROMIUM, missing } from './helpers/requirements.js';
import { serveStatic } from './helpers/static-server.js';
import { tempDir } from './helpers/temp-dir.js';

const work = tempDir('webgpu');
let browser: Browser;
let page: Page;
let close: (() => Promise<void>) | undefined;
const errors: string[] = [];

/** Largest |a - b| over the largest |a|: a gradient's error relative to its scale. */
function relativeError(a: number[], b: number[]): number {
  let scale = 0;
  let error = 0;
  a.forEach((value, i) => {
    scale = Math.max(scale, Math.abs(value));
    error = Math.max(error, Math.abs(value - b[i]!));
  });
  return error / scale;
}

describe.skipIf(missing(CHROMIUM))('MiniVGGNet on tfjs-backend-webgpu (Chromium, SwiftShader)', () => {
  beforeAll(async () => {
    const { build } = await import('esbuild');
    await build({ entryPoints: [resolve(import.meta.dirname, 'helpers/webgpu-page.ts')], bundle: true, format: 'esm', target: 'es2022', outfile: join(work, 'page.js'), logLevel: 'error' });
    writeFileSync(join(work, 'index.html'), '<!doctype html><html><head><meta charset="utf-8" /><link rel="icon" href="data:," /></head><body><script type="module" src="page.js"></script></body></html>\n');
    const server = await serveStatic(work, false);
    close = server.close;
    browser = await launchChromium({ webgpu: true });
    page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    // WebGPU needs a secure context: the page is served from localhost.
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => document.body.dataset['state'] === 'ready', null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  it('has a WebGPU adapter', async () => {
    expect(await page.evaluate(() => (window as unknown as { adapter: string | null }).adapter)).not.toBeNull();
  });

  it("gives one training step's loss and gradients of tfjs-backend-cpu, within float32 rounding", async () => {
    type Step = { loss: number; gradients: number[][]; names: string[] };
    const { cpu, webgpu } = await page.evaluate((count) => (window as unknown as { stepOnBoth(n: number): Promise<{ cpu: Step; webgpu: Step }> }).stepOnBoth(count), 8);
    expect(webgpu.names).toEqual(cpu.names);
    // Every kernel, trainable weights of all 16 layers that have some (4 conv, 5 batch norm, 2 dense).
    expect(cpu.gradients).toHaveLength(22);
    expect(Number.isFinite(cpu.loss) && cpu.loss > 0).toBe(true);
    expect(Math.abs(webgpu.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-4);
    cpu.gradients.forEach((gradient, i) => {
      expect(webgpu.gradients[i]!.length, cpu.names[i]).toBe(gradient.length);
      expect(relativeError(gradient, webgpu.gradients[i]!), cpu.names[i]).toBeLessThan(1e-3);
    });
  });

  it('trains a few steps with trainFashionMnist, leaving no tensor behind', async () => {
    const result = await page.evaluate(
      ([count, batchSize]) =>
        (window as unknown as { trainOnWebGpu(n: number, b: number): Promise<{ losses: number[]; history: number[]; changed: number; weights: number; leaked: number; backend: string }> }).trainOnWebGpu(count!, batchSize!),
      [32, 16],
    );
    expect(result.backend).toBe('webgpu');
    expect(result.losses).toHaveLength(2);
    for (const loss of [...result.losses, ...result.history]) expect(Number.isFinite(loss) && loss > 0, `loss ${loss}`).toBe(true);
    expect(result.history).toHaveLength(1);
    // The first convolution's kernel moved.
    expect(result.changed).toBeGreaterThan(result.weights / 2);
    expect(result.leaked).toBe(0);
    expect(errors).toEqual([]);
  });
});
