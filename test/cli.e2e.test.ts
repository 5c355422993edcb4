// The command-line program end to end on the real data (Debian's dataset-fashion-mnist), on the cpu backend,
// with a subset small enough for that backend's speed.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodePng, loadFashionMnist } from '../src/node.js';
import { decodePng } from '../src/node/png-decode.js';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { tempDir } from './helpers/temp-dir.js';

const root = resolve(import.meta.dirname, '..');
const out = tempDir('cli');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'src/cli.ts'), ...args], {
      cwd: root,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const png = (name: string) => decodePng(new Uint8Array(readFileSync(join(out, name))));

describe.skipIf(missing(FASHION_MNIST))('the command-line program (src/cli.ts)', () => {
  it('explains itself with --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const flag of ['--epochs', '--batch-size', '--lr', '--backend', '--limit', '--data-dir', '--out', '--resume', '--seed']) expect(stdout).toContain(flag);
  });

  it('rejects bad flags with a clear message and exit code 2', async () => {
    const bad = await cli('train', '--epochs', 'ten');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --epochs must be a positive integer, but got "ten".');
    const unknown = await cli('train', '--epoch', '3');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: Unknown option --epoch. Did you mean --epochs?\n');
  });

  it('trains on the wasm backend by default, with the SIMD kernels on the same threads', async () => {
    const dir = mkdtempSync(join(out, 'wasm-'));
    const { code, stdout } = await cli('train', '--threads', '2', '--limit', '64', '--epochs', '1', '--out', dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\[INFO\] backend: wasm \((\d) threads?, tfjs-fashion-mnist training kernels, SIMD kernels on \1 threads?\)$/m);
    expect(stdout).toContain('2/2 [==============================]');
  });

  it('trains with --recipe fast under the flags given', async () => {
    const dir = mkdtempSync(join(out, 'recipe-'));
    const { code, stdout } = await cli('train', '--recipe', 'fast', '--epochs', '1', '--augment', 'flip', '--threads', '1', '--limit', '128', '--out', dir);
    expect(code).toBe(0);
    expect(stdout).toContain('[INFO] training model: 128 training and 128 validation images, recipe fast, 1 epoch, batch 32, lr 0.05, schedule cosine, augment flip, weight decay 0.0005...');
    expect(stdout).toContain('4/4 [==============================]');
    expect(stdout).toContain('[INFO] evaluating network...');
  });

  it('trains on a subset and writes every output', async () => {
    const { code, stdout, stderr } = await cli('train', '--backend', 'cpu', '--limit', '8', '--batch-size', '8', '--epochs', '1', '--out', out);
    expect(stderr).not.toContain('error');
    expect(code).toBe(0);
    expect(stdout).toContain('[INFO] backend: cpu');
    expect(stdout).toContain('1/1 [==============================]');
    // Eight images rarely cover all ten classes; scikit-learn then prints "micro avg" instead of
    // "accuracy", as the report does when labels lists classes absent from the data. When none of the
    // eight is right (it happens after one step), scikit-learn prints supports as floats: "8.0".
    const report = readFileSync(join(out, 'report.txt'), 'utf8');
    expect(report).toMatch(/\n( {4}accuracy {27}\d\.\d\d| {3}micro avg {7}\d\.\d\d( {6}\d\.\d\d){2})( {9}8| {7}8\.0)\n/);
    expect(stdout).toContain(report.trimEnd());

    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.epoch).toEqual([0]);
    expect(Object.keys(history.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toContain('weighted avg');
    expect([png('montage.png').width, png('montage.png').height]).toEqual([384, 384]);
    expect(png('plot.png').width).toBeGreaterThan(600);
    expect(png('confusion.png').height).toBeGreaterThan(400);
    const model = JSON.parse(readFileSync(join(out, 'model/model.json'), 'utf8'));
    expect(model.format).toBe('layers-model');
    expect(existsSync(join(out, 'checkpoint/model.json'))).toBe(true);
  }, 600_000);

  it('classifies a picture of a garment with the saved model', async () => {
    // A test image, enlarged and inverted to dark-on-light like a photo: the CLI must invert it back.
    const { test } = await loadFashionMnist();
    const data = new Uint8Array(56 * 56 * 3);
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) data.fill(255 - test.images[Math.floor(y / 2) * 28 + Math.floor(x / 2)]!, (y * 56 + x) * 3, (y * 56 + x) * 3 + 3);
    }
    writeFileSync(join(out, 'garment.png'), encodePng({ width: 56, height: 56, data }));
    const { code, stdout } = await cli('predict', join(out, 'model'), join(out, 'garment.png'), '--backend', 'cpu');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${join(out, 'garment.png')}: ([a-z ]+ \\d+\\.\\d%, ){2}[a-z ]+ \\d+\\.\\d%\\n$`, 'm'));
  }, 120_000);

  it('classifies pictures with the pretrained model when no model folder is given', async () => {
    const { code, stdout } = await cli('predict', join(out, 'garment.png'), join(root, 'examples/images/trouser.png'), '--backend', 'cpu');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\[INFO\] model: the pretrained MiniVGGNet shipped with the package \(.+\)\n/);
    // Test image 0 is an ankle boot; examples/images/trouser.png is test image 2, a trouser.
    expect(stdout).toMatch(new RegExp(`^${join(out, 'garment.png')}: ankle boot \\d+\\.\\d%, `, 'm'));
    expect(stdout).toMatch(new RegExp(`^${join(root, 'examples/images/trouser.png')}: trouser \\d+\\.\\d%, `, 'm'));
  }, 120_000);

  it('evaluates the pretrained model when no model folder is given', async () => {
    const { code, stdout } = await cli('evaluate', '--backend', 'cpu', '--limit', '64', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toContain('[INFO] model: the pretrained MiniVGGNet');
    expect(stdout).toMatch(/\[INFO\] test accuracy \d+\.\d\d%; wrote report\.txt/);
    const extra = await cli('evaluate', 'a', 'b', '--backend', 'cpu');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toBe('error: evaluate takes at most one model directory, but got 2 arguments.\nRun with --help for usage.\n');
  }, 120_000);

  it('evaluates a saved model', async () => {
    rmSync(join(out, 'montage.png'));
    const { code, stdout } = await cli('evaluate', join(out, 'model'), '--backend', 'cpu', '--limit', '8', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toContain('macro avg');
    expect(png('montage.png').width).toBe(384);
  }, 120_000);

  it('prints its version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout).toBe(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  });

  it('answers every user mistake with one line and exit code 2', async () => {
    const file = join(out, 'a-file.txt');
    writeFileSync(file, 'not a folder');
    const empty = mkdtempSync(join(out, 'no-pictures-'));
    const mistakes: Array<[string[], string]> = [
      [['predict', join(out, 'model'), join(out, 'missing.png'), '--backend', 'cpu'], `error: ${join(out, 'missing.png')}: The file cannot be read: a part of the path does not exist (ENOENT).\n`],
      [['predict', join(out, 'model'), empty, '--backend', 'cpu'], `error: ${empty} holds no .png, .jpg or .jpeg pictures.\n`],
      [['evaluate', join(out, 'missing-model'), '--backend', 'cpu', '--out', out], `error: ${join(out, 'missing-model', 'model.json')}: not readable (the folder does not exist).\n`],
      [['train', '--backend', 'cpu', '--out', file], `error: --out must be a folder, but ${file} is a file.\nRun with --help for usage.\n`],
      [['train', '--backend', 'cpu', '--out', join(file, 'sub')], `error: --out ${join(file, 'sub')} cannot be used as the output folder: a part of the path is a file, not a folder (ENOTDIR).\n`],
    ];
    for (const [args, expected] of mistakes) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toBe(expected);
    }
  }, 120_000);

  it('says what is missing for predict', async () => {
    const { code, stderr } = await cli('predict');
    expect(code).toBe(2);
    expect(stderr).toBe('error: predict needs at least one image: tfjs-fashion-mnist predict [<model-dir>] <image...>\nRun with --help for usage.\n');
  });
});
