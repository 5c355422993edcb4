// The README's TypeScript is real code: every ```ts block is a file under examples/ shown verbatim,
// `npm test` type-checks examples/ (tsconfig.json includes it), and this test runs each one, shrunk
// through the environment variables the examples document (EPOCHS, LIMIT).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng, FASHION_MNIST_LABELS, loadFashionMnist } from '../src/node.js';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts')).sort();
const cwd = mkdtempSync(join(tmpdir(), 'fmnist-readme-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

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

describe('the README', () => {
  it('shows each example file verbatim, and every TypeScript block is one', () => {
    expect(blocks.length).toBe(examples.length);
    for (const block of blocks) {
      const name = /^\/\/ examples\/([\w-]+\.ts):/.exec(block)?.[1];
      expect(name, `a block starting ${JSON.stringify(block.slice(0, 40))} names no example file`).toBeDefined();
      expect(block).toBe(readFileSync(join(root, 'examples', name!), 'utf8'));
    }
  });

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

  it('runs examples/classify.ts on pictures, with the model the tour saved', async () => {
    // Two real test images as PNG files, the second enlarged and dark on light like a photo.
    const { test } = await loadFashionMnist({ dir: '/usr/share/datasets/fashion-mnist' });
    const picture = (index: number, scale: number, invert: boolean) => {
      const side = 28 * scale;
      const data = new Uint8Array(side * side * 3);
      for (let p = 0; p < side * side; p++) {
        const value = test.images[index * 784 + Math.floor(p / side / scale) * 28 + Math.floor((p % side) / scale)]!;
        data.fill(invert ? 255 - value : value, p * 3, p * 3 + 3);
      }
      return encodePng({ width: side, height: side, data });
    };
    writeFileSync(join(cwd, 'first.png'), picture(0, 1, false));
    writeFileSync(join(cwd, 'second.png'), picture(1, 3, true));
    const { stdout } = await runExample('classify.ts', {}, ['first.png', 'second.png']);
    const label = `(?:${FASHION_MNIST_LABELS.join('|')}) \\d+\\.\\d%`;
    expect(stdout).toMatch(new RegExp(`^first\\.png: ${label}, ${label}, ${label}\\nsecond\\.png: ${label}, ${label}, ${label}\\n$`));
  }, 300_000);
});
