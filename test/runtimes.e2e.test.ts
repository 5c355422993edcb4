// The packed package in Deno 2 and Bun 1, as their users run it: installed with npm into a fresh
// project, each entry imported (and required), MiniVGGNet built and trained for two steps on the
// threaded wasm backend, pictures classified with the pretrained model. The root entry gets its
// files over HTTP, as in a browser; the Node entry reads and writes files.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../src/node.js';
import { installPackedPackage } from './helpers/packed-package.js';
import { missing, type Requirement } from './helpers/requirements.js';
import { BUN, DENO } from './helpers/runtimes.js';
import { tempDir } from './helpers/temp-dir.js';

interface Runtime {
  name: string;
  requirement: Requirement;
  /** The arguments that run a script file. */
  run: (script: string) => string[];
  version: RegExp;
}

const RUNTIMES: Runtime[] = [
  // The permissions the README names: files (the threaded build's worker scripts go to the temp
  // folder), the environment and the core count (threads), the network for the served files.
  { name: 'Deno', requirement: DENO, run: (script) => ['run', '--no-prompt', '--allow-read', '--allow-write', '--allow-env', '--allow-sys', '--allow-net=127.0.0.1', script], version: /^deno 2\.\d+\.\d+ / },
  { name: 'Bun', requirement: BUN, run: (script) => [script], version: /^1\.\d+\.\d+\n$/ },
];

const work = tempDir('runtimes');
const available = RUNTIMES.filter((runtime) => !missing(runtime.requirement));
const threads = cpus().length;

// Two steps of batch 32 on 64 synthetic images, ten classes of flat grey levels.
const TRAINING_SPLIT = `const count = 64;
const images = new Uint8Array(count * 784);
const labels = new Uint8Array(count);
for (let i = 0; i < count; i++) { labels[i] = i % 10; images.fill(25 * (i % 10), i * 784, (i + 1) * 784); }
const train = { images, labels, count, height: 28, width: 28 };`;

const SCRIPTS: Record<string, string> = {
  // The platform-neutral entry and the wasm entry: the pretrained files and a decoded picture (RGB
  // bytes, as a canvas would give) come from the URL in the first argument.
  'root.mjs': `import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, classifyImages, loadPretrainedModel, trainFashionMnist } from 'tfjs-fashion-mnist';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
const [base, width, height] = process.argv.slice(2);
const info = await useWasmBackend();
${TRAINING_SPLIT}
const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
const { history } = await trainFashionMnist(model, { train }, { epochs: 1, batchSize: 32 });
const pretrained = await loadPretrainedModel({ modelUrl: base + '/pretrained/model.json' });
const data = new Uint8Array(await (await fetch(base + '/ankle-boot.rgb')).arrayBuffer());
const [classified] = await classifyImages(pretrained, [{ width: Number(width), height: Number(height), data }]);
console.log(JSON.stringify({ backend: tf.getBackend(), ...info, loss: history.loss, top: classified.ranked[0].label }));
`,
  // The Node entry: the package's own pretrained files, a picture file, a model and a montage saved.
  'node.mjs': `import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, buildMontage, classifyImages, loadModel, loadPretrainedModel, readImage, saveModel, savePng, subsetSplit, trainFashionMnist } from 'tfjs-fashion-mnist/node';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
const [out] = process.argv.slice(2);
const info = await useWasmBackend({ threads: 1 });
${TRAINING_SPLIT}
const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
const { history } = await trainFashionMnist(model, { train }, { epochs: 1, batchSize: 32 });
await saveModel(model, out + '/model');
const loaded = await loadModel(out + '/model');
const pretrained = await loadPretrainedModel();
const picture = await readImage('node_modules/tfjs-fashion-mnist/examples/images/ankle-boot.png');
const [classified] = await classifyImages(pretrained, [picture]);
const [montage] = await buildMontage(subsetSplit(train, 4), [56, 56], [2, 2], { captions: ['a', 'b', 'c', 'd'] });
await savePng(montage, out + '/montage.png');
console.log(JSON.stringify({ backend: tf.getBackend(), ...info, loss: history.loss, params: loaded.countParams(), top: classified.ranked[0].label, montage: [montage.width, montage.height] }));
`,
  // Every entry through require(), as CommonJS programs load them.
  'cjs.cjs': `require('@tensorflow/tfjs-backend-wasm');
const root = require('tfjs-fashion-mnist');
const node = require('tfjs-fashion-mnist/node');
const wasm = require('tfjs-fashion-mnist/wasm');
wasm.useWasmBackend().then(async (info) => {
  const pretrained = await node.loadPretrainedModel();
  console.log(JSON.stringify({ ...info, params: root.buildMiniVGGNet().countParams(), pretrained: pretrained.countParams(), sameErrors: root.FashionMnistError === node.FashionMnistError }));
});
`,
};

/**
 * Runs `script` in the runtime, with a temp folder of its own; resolves to the JSON object it
 * printed last, once the run has left that temp folder empty (the threaded build's worker scripts
 * are written there and must go when the process exits).
 */
async function runScript(runtime: Runtime, script: string, args: string[] = []): Promise<Record<string, unknown>> {
  const temp = mkdtempSync(join(work, 'tmp-'));
  const { stdout } = await promisify(execFile)(runtime.requirement.file, [...runtime.run(script), ...args], {
    cwd: work,
    env: { ...process.env, TMPDIR: temp, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    timeout: 100_000,
    maxBuffer: 16 << 20,
  });
  expect(readdirSync(temp)).toEqual([]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const expectLoss = (loss: unknown) => {
  expect(loss).toHaveLength(1);
  expect(Number.isFinite((loss as number[])[0])).toBe(true);
};

describe.skipIf(available.length === 0)('the packed package in other runtimes', () => {
  let server: Server;
  let base = '';
  let picture = { width: 0, height: 0 };

  beforeAll(async () => {
    installPackedPackage(work, ['core', 'layers', 'backend-wasm']);
    for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(work, name), text);
    const installed = join(work, 'node_modules/tfjs-fashion-mnist');
    const decoded = await readImage(join(installed, 'examples/images/ankle-boot.png'));
    picture = { width: decoded.width, height: decoded.height };
    const files: Record<string, Uint8Array> = {
      '/pretrained/model.json': readFileSync(join(installed, 'pretrained/model.json')),
      '/pretrained/weights.bin': readFileSync(join(installed, 'pretrained/weights.bin')),
      '/ankle-boot.rgb': decoded.data,
    };
    server = createServer((request, response) => {
      const body = files[request.url ?? ''];
      response.writeHead(body ? 200 : 404, { 'Content-Length': body?.length ?? 0 }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);

  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  for (const runtime of RUNTIMES) {
    describe.skipIf(!available.includes(runtime))(runtime.name, () => {
      it(`is ${runtime.name} ${runtime.name === 'Deno' ? 2 : 1}`, async () => {
        const { stdout } = await promisify(execFile)(runtime.requirement.file, ['--version'], { env: { ...process.env, NO_COLOR: '1' } });
        expect(stdout).toMatch(runtime.version);
      });

      it('trains MiniVGGNet on the threaded wasm backend and classifies with the pretrained model fetched from a URL (root and wasm entries)', async () => {
        const result = await runScript(runtime, 'root.mjs', [base, String(picture.width), String(picture.height)]);
        expect(result).toMatchObject({ backend: 'wasm', threads, trainingKernels: true, simdKernelThreads: threads, top: 'ankle boot' });
        expectLoss(result['loss']);
      });

      it("trains, saves and reloads a model, classifies a picture file with the package's pretrained model and writes a montage (node entry, one thread)", async () => {
        const out = `out-${runtime.name}`;
        const result = await runScript(runtime, 'node.mjs', [out]);
        expect(result).toMatchObject({ backend: 'wasm', threads: 1, trainingKernels: true, simdKernelThreads: 1, params: 1679082, top: 'ankle boot', montage: [112, 112] });
        expectLoss(result['loss']);
        for (const file of ['model/model.json', 'montage.png']) expect(existsSync(join(work, out, file)), file).toBe(true);
      });

      it('requires every entry as CommonJS', async () => {
        const result = await runScript(runtime, 'cjs.cjs');
        expect(result).toEqual({ threads, trainingKernels: true, simdKernelThreads: threads, params: 1679082, pretrained: 1679082, sameErrors: true });
      });
    });
  }
});
