// `predict` spawned as users run it, with the pretrained model on the cpu backend: every readable
// picture is answered, each unreadable one gets its error line, folders of pictures are read, and a
// picture folder is never taken for a model.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../src/viz/png.js';
import { decodePng } from '../src/node/png-decode.js';
import { root, runCli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-cli-predict-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const images = join(root, 'examples/images');
const answer = (path: string, label: string) => new RegExp(`^${path.replaceAll('.', '\\.')}: ${label} \\d+\\.\\d%, [a-z -]+ \\d+\\.\\d%, [a-z -]+ \\d+\\.\\d%$`, 'm');
const PRETRAINED = /^\[INFO\] model: the pretrained MiniVGGNet/m;

/** examples/images/pullover.png as a JPEG. */
function pulloverJpeg(): Uint8Array {
  const { width, height, data } = decodePng(new Uint8Array(readFileSync(join(images, 'pullover.png'))));
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(data.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width, height }, 95).data;
}

describe('predict', () => {
  it("answers the readable pictures of the README's command and names the missing one (exit 2)", async () => {
    const shoe = join(work, 'my-shoe.jpg');
    const { code, stdout, stderr } = await runCli(['predict', join(images, 'ankle-boot.png'), shoe, '--backend', 'cpu']);
    expect(code).toBe(2);
    expect(stdout).toMatch(answer(join(images, 'ankle-boot.png'), 'ankle boot'));
    expect(stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([`error: ${shoe}: The file cannot be read: a part of the path does not exist (ENOENT).`]);
  });

  it('reads every picture of a folder, in name order, and never takes the folder for a model', async () => {
    const folder = join(work, 'pictures');
    mkdirSync(folder);
    copyFileSync(join(images, 'trouser.png'), join(folder, 'b-trouser.png'));
    writeFileSync(join(folder, 'a-pullover.JPG'), pulloverJpeg());
    writeFileSync(join(folder, 'c-broken.png'), 'not a picture');
    writeFileSync(join(folder, 'notes.txt'), 'not a picture either, and not read');
    const { code, stdout, stderr } = await runCli(['predict', folder, join(images, 'ankle-boot.png'), '--backend', 'cpu']);
    expect(code).toBe(2);
    expect(stdout).toMatch(PRETRAINED);
    const answers = stdout.split('\n').filter((line) => / \d+\.\d%/.test(line));
    expect(answers.map((line) => line.split(':')[0])).toEqual([join(folder, 'a-pullover.JPG'), join(folder, 'b-trouser.png'), join(images, 'ankle-boot.png')]);
    expect(stdout).toMatch(answer(join(folder, 'a-pullover.JPG'), 'pullover'));
    expect(stdout).toMatch(answer(join(folder, 'b-trouser.png'), 'trouser'));
    expect(stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
      `error: ${join(folder, 'c-broken.png')}: The file is neither a PNG nor a JPEG image.`,
    ]);
  });

  it('exits 0 when every picture is answered, and takes a model folder first', async () => {
    const { code, stdout } = await runCli(['predict', join(root, 'pretrained'), images, '--backend', 'cpu']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(PRETRAINED);
    for (const [file, label] of [['ankle-boot.png', 'ankle boot'], ['pullover.png', 'pullover'], ['trouser.png', 'trouser']] as const) {
      expect(stdout).toMatch(answer(join(images, file), label));
    }
  });

  it('fails before loading anything when no argument is a readable picture', async () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    const { code, stdout, stderr } = await runCli(['predict', empty, join(images, 'missing.png'), '/dev/null', join(root, 'pretrained')]);
    expect(code).toBe(2);
    // No backend and no model were loaded: the pretrained model's line is not printed.
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        `error: ${empty} holds no .png, .jpg or .jpeg pictures.`,
        `error: ${join(images, 'missing.png')}: The file cannot be read: a part of the path does not exist (ENOENT).`,
        'error: /dev/null: The path is not a regular file.',
        `error: ${join(root, 'pretrained')} is a model folder: give it first, before the pictures.`,
        '',
      ].join('\n'),
    );
  });

  it('holds one large picture at a time: twelve 3072x3072 photos need little more memory than one', async () => {
    // A dark garment-like block on a light background, 27 MiB of RGB samples once decoded; the PNG
    // itself is small. A preload reports the process' peak resident memory when it exits.
    const side = 3072;
    const data = new Uint8Array(side * side * 3).fill(235);
    for (let y = side / 4; y < (side * 3) / 4; y++) data.fill(40, (y * side + side / 4) * 3, (y * side + (side * 3) / 4) * 3);
    const folder = mkdtempSync(join(work, 'large-'));
    const png = encodePng({ width: side, height: side, data });
    for (let i = 0; i < 12; i++) writeFileSync(join(folder, `photo-${String(i).padStart(2, '0')}.png`), png);
    const preload = join(work, 'peak-rss.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeSync(2, `peak-rss-kib ${process.resourceUsage().maxRSS}\\n`));\n");
    const peak = async (paths: string[]) => {
      const { code, stdout, stderr } = await runCli(['predict', '--backend', 'cpu', ...paths], { env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
      expect(code, stderr).toBe(0);
      return { answers: stdout.split('\n').filter((line) => line.startsWith(join(folder, 'photo-'))).length, bytes: Math.max(...[...stderr.matchAll(/^peak-rss-kib (\d+)$/gm)].map((m) => Number(m[1]))) * 1024 };
    };
    const one = await peak([join(folder, 'photo-00.png')]);
    const twelve = await peak([folder]);
    expect([one.answers, twelve.answers]).toEqual([1, 12]);
    // Holding all twelve at once would add at least 11 pictures' samples; garbage collection lags
    // behind by a few.
    expect(twelve.bytes - one.bytes).toBeLessThan(5 * side * side * 3);
  });
});
