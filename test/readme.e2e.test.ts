// The README's examples (every ```ts block of the README is one, see readme.test.ts) run as a user
// runs them, shrunk through the environment variables the examples document (EPOCHS, LIMIT).
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodePng, evaluateModel, FASHION_MNIST_LABELS, loadFashionMnist, loadPretrainedModel, subsetSplit } from '../src/node.js';
import '@tensorflow/tfjs-backend-wasm';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { tempDir } from './helpers/temp-dir.js';
import { wasmBackend } from './helpers/wasm-backend.js';

/** A 28x28 image as a PNG photo: enlarged `scale` times, inverted to dark on light when scale > 1. */
function photo(pixels: Uint8Array, scale: number): Uint8Array {
  const side = 28 * scale;
  const data = new Uint8Array(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    const value = pixels[Math.floor(p / side / scale) * 28 + Math.floor((p % side) / scale)]!;
    data.fill(scale > 1 ? 255 - value : value, p * 3, p * 3 + 3);
  }
  return encodePng({ width: side, height: side, data });
}

const root = resolve(import.meta.dirname, '..');
const cwd = tempDir('readme');
wasmBackend();

/** Runs an example as a user would (tsx), with the package names mapped to src/ by tsconfig.json. */
async function runExample(name: string, env: Record<string, string> = {}, args: string[] = []): Promise<{ stdout: string; stderr: string }> {
  const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
  return promisify(execFile)(process.execPath, [tsx, '--tsconfig', join(root, 'tsconfig.json'), join(root, 'examples', name), ...args], {
    cwd,
    env: { ...process.env, ...env },
    maxBuffer: 16 << 20,
    timeout: 600_000,
  });
}

describe.skipIf(missing(FASHION_MNIST))('the README', () => {
  it('runs examples/backend.ts', async () => {
    const { stdout } = await runExample('backend.ts');
    expect(stdout).toMatch(/^wasm backend with this library's training kernels on \d+ threads\n$/);
  });

  it('runs examples/tour.ts for one epoch on 2,000 images, writing what it says', async () => {
    const { stdout } = await runExample('tour.ts', { EPOCHS: '1', LIMIT: '2000' });
    expect(stdout).toContain('Epoch 1/1\n');
    expect(stdout).toMatch(/ {4}accuracy {27}0\.\d\d {6}2000\n/);
    for (const file of ['out/plot.png', 'out/montage.png', 'out/model/model.json', 'out/checkpoint/model.json']) expect(existsSync(join(cwd, file)), file).toBe(true);
  }, 600_000);

  it('runs examples/classify.ts with the pretrained model: pictures of test images get their true labels', async () => {
    // Test images that the shipped model classifies right as 28x28 arrays, written as PNG files
    // like photos (enlarged, dark on light): the example must read, invert and shrink them back.
    const { test } = await loadFashionMnist({ dir: '/usr/share/datasets/fashion-mnist' });
    const model = await loadPretrainedModel();
    const sample = subsetSplit(test, 64);
    const { predictions } = await evaluateModel(model, sample);
    model.dispose();
    const right = [...sample.labels.keys()].filter((i) => predictions[i] === sample.labels[i]).slice(0, 3);
    expect(right).toHaveLength(3);
    const files = right.map((index, n) => {
      writeFileSync(join(cwd, `picture-${n}.png`), photo(test.images.subarray(index * 784, (index + 1) * 784), n + 1));
      return `picture-${n}.png`;
    });
    const { stdout } = await runExample('classify.ts', {}, files);
    const other = `(?:${FASHION_MNIST_LABELS.join('|')}) \\d+\\.\\d%`;
    const expected = files.map((file, n) => `${file.replace('.', '\\.')}: ${FASHION_MNIST_LABELS[sample.labels[right[n]!]!]} \\d+\\.\\d%, ${other}, ${other}\\n`);
    expect(stdout).toMatch(new RegExp(`^${expected.join('')}$`));
  }, 300_000);

  it('runs examples/classify.ts with MODEL=out/model, the model the tour saved', async () => {
    const { test } = await loadFashionMnist({ dir: '/usr/share/datasets/fashion-mnist' });
    writeFileSync(join(cwd, 'first.png'), photo(test.images.subarray(0, 784), 1));
    const { stdout } = await runExample('classify.ts', { MODEL: 'out/model' }, ['first.png']);
    const label = `(?:${FASHION_MNIST_LABELS.join('|')}) \\d+\\.\\d%`;
    expect(stdout).toMatch(new RegExp(`^first\\.png: ${label}, ${label}, ${label}\\n$`));
  }, 300_000);
});
