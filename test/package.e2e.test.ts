// The consumer check: pack the package as npm would publish it, install the tarball into a fresh
// project, and use it there as a user would: ESM and CommonJS (also without require(esm)), each entry
// type-checked under moduleResolution node16 and bundler, the packed command-line program, process
// lifetime with the threaded wasm backend, and browser bundles of the root entry.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackage, ROOT as root } from './helpers/packed-package.js';
import { tempDir } from './helpers/temp-dir.js';

const work = tempDir('consumer');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
let packedFiles: string[] = [];

function run(command: string, args: string[], cwd = work): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command that may fail; never throws. */
function attempt(command: string, args: string[], timeout = 60_000): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: work, encoding: 'utf8', timeout });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  packedFiles = installPackedPackage(work, ['core', 'layers', 'backend-cpu', 'backend-wasm']).files;
}, 300_000);

describe('the packed package', () => {
  it('ships dist, the README, the license and the files the README links to', () => {
    const allowed = /^(dist\/|docs\/(results|benchmarks|browser|safety|api)\.md$|docs\/benchmarks\.json$|docs\/images\/[\w-]+\.png$|examples\/[\w/-]+\.ts$|examples\/images\/[\w-]+\.png$|pretrained\/(model\.json|weights\.bin)$|README\.md$|LICENSE$|package\.json$)/;
    expect(packedFiles.filter((path) => !allowed.test(path))).toEqual([]);
    for (const name of ['index', 'node', 'wasm', 'wasm-node']) {
      for (const extension of ['js', 'd.ts', 'd.cts']) expect(packedFiles).toContain(`dist/${name}.${extension}`);
    }
    // One CommonJS file serves every entry (src/cjs.ts).
    expect(packedFiles.filter((path) => path.endsWith('.cjs'))).toEqual(['dist/index.cjs']);
    expect(packedFiles).toContain('dist/cli.js');
  });

  it('resolves every relative link of the README and of the shipped guides inside the tarball', () => {
    const pages = packedFiles.filter((path) => path.endsWith('.md'));
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/browser.md', 'docs/safety.md']));
    const broken = pages.flatMap((page) => {
      const text = readFileSync(join(root, page), 'utf8');
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
      return targets.map((target) => posix.normalize(posix.join(posix.dirname(page), target))).filter((target) => !packedFiles.includes(target)).map((target) => `${page} -> ${target}`);
    });
    expect(broken).toEqual([]);
  });

  it('holds every source module once per module system (shared chunks, no second build)', () => {
    const dist = join(root, 'dist');
    for (const extension of ['.js', '.cjs']) {
      const owners = new Map<string, string[]>();
      for (const file of readdirSync(dist).filter((f) => f.endsWith(extension))) {
        const map = JSON.parse(readFileSync(join(dist, `${file}.map`), 'utf8')) as { sources: string[] };
        for (const source of map.sources) owners.set(source, [...(owners.get(source) ?? []), file]);
      }
      expect(owners.size).toBeGreaterThan(20);
      expect([...owners].filter(([, files]) => files.length > 1)).toEqual([]);
    }
  });
});

// Builds the model in every entry, then a captioned montage and a chart PNG in the Node entry: the
// viz half loads wasm, a font and ESM-only Vega through dynamic imports, which must work from both
// module systems.
const usage = `
  const model = root.buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
  const split = { images: new Uint8Array(784).fill(100), count: 1, height: 28, width: 28 };
  node.buildMontage(split, [96, 96], [1, 1], { captions: ['bag'] })
    .then(async ([montage]) => {
      const png = await node.chartToPng(node.trainingHistorySpec({ loss: [1, 0.5] }));
      const pretrained = await node.loadPretrainedModel();
      console.log(model.countParams(), pretrained.countParams(), montage.width, png[1] === 0x50 && png[2] === 0x4e, typeof wasm.useWasmBackend, root.FashionMnistError === node.FashionMnistError, wasm.WasmBackendError === root.WasmBackendError, typeof node.saveModel);
    });
`;
const expected = '1679082 1679082 96 true function true true function';

describe('the installed package in Node', () => {
  it('imports as ES modules', () => {
    writeFileSync(
      join(work, 'esm.mjs'),
      `import '@tensorflow/tfjs-backend-cpu';\nimport * as root from 'tfjs-fashion-mnist';\nimport * as node from 'tfjs-fashion-mnist/node';\nimport * as wasm from 'tfjs-fashion-mnist/wasm';\n${usage}`,
    );
    expect(run('node', ['esm.mjs']).trim()).toBe(expected);
    // The root entry is the platform-neutral one, also in Node.
    writeFileSync(join(work, 'root.mjs'), "import * as root from 'tfjs-fashion-mnist';\nconsole.log('saveModel' in root, 'loadFashionMnist' in root);");
    expect(run('node', ['root.mjs']).trim()).toBe('false true');
  });

  it('requires as CommonJS, also where require() cannot load ES modules (Node 22 before 22.12)', () => {
    writeFileSync(
      join(work, 'cjs.cjs'),
      `require('@tensorflow/tfjs-backend-cpu');\nconst root = require('tfjs-fashion-mnist');\nconst node = require('tfjs-fashion-mnist/node');\nconst wasm = require('tfjs-fashion-mnist/wasm');\n${usage}`,
    );
    expect(run('node', ['cjs.cjs']).trim()).toBe(expected);
    expect(run('node', ['--no-experimental-require-module', 'cjs.cjs']).trim()).toBe(expected);
  });

  it('runs the packed command-line program', () => {
    const bin = join(work, 'node_modules/.bin/tfjs-fashion-mnist');
    expect(run(bin, ['--version']).trim()).toBe(packageJson.version);
    expect(run(bin, ['--help'])).toContain('Usage: tfjs-fashion-mnist <command> [options]');
    const mistake = attempt(bin, ['train', '--epochs', 'zero']);
    expect(mistake.status).toBe(2);
    expect(mistake.stderr).toBe('error: --epochs must be a positive integer, but got "zero".\nRun with --help for usage.\n');
    // The pretrained model and the sample pictures ship with the package.
    const picture = join(work, 'node_modules/tfjs-fashion-mnist/examples/images/trouser.png');
    expect(run(bin, ['predict', picture, '--backend', 'cpu'])).toMatch(new RegExp(`^${picture}: trouser \\d+\\.\\d%, `, 'm'));
  });

  it("runs the README's classify example as shipped, on the threaded wasm backend, naming each sample picture", () => {
    // The README's first block is examples/classify.ts; the package ships it and the pictures.
    const shipped = join(work, 'node_modules/tfjs-fashion-mnist/examples');
    writeFileSync(join(work, 'classify.ts'), readFileSync(join(shipped, 'classify.ts')));
    const pictures = ['ankle-boot', 'pullover', 'trouser'].map((name) => join(shipped, 'images', `${name}.png`));
    const stdout = run('node', [tsx, 'classify.ts', ...pictures]);
    const label = '[\\w/ -]+ \\d+\\.\\d%';
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const lines = pictures.map((picture) => `${escape(picture)}: ${picture.replace(/^.*\/|\.png$/g, '').replace('-', ' ')} \\d+\\.\\d%, ${label}, ${label}\\n`);
    expect(stdout).toMatch(new RegExp(`^${lines.join('')}$`));
  });
});

describe('process lifetime with the threaded wasm backend', () => {
  const script = (body: string) => `import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradients
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';
const { threads, simdKernelThreads } = await useWasmBackend();
const y = tf.conv2d(tf.ones([1, 8, 8, 1]), tf.ones([3, 3, 1, 2]), 1, 'same');
// The filter gradient runs in the library's SIMD kernel, on its worker threads.
const dw = tf.grad((f) => tf.sum(tf.conv2d(tf.ones([1, 8, 8, 1]), f, 1, 'same')))(tf.ones([3, 3, 1, 2]));
console.log('threads', threads, simdKernelThreads, 'sum', (await tf.sum(y).data())[0], (await tf.sum(dw).data())[0]);
${body}
`;

  for (const [runner, args] of [['node', (file: string) => [file]], ['tsx', (file: string) => [tsx, file]]] as const) {
    it(`exits by itself when the work is done (${runner})`, () => {
      writeFileSync(join(work, 'lifetime.mjs'), script("console.log('end');"));
      const result = attempt('node', args('lifetime.mjs'), 30_000);
      expect(result.signal).toBeNull();
      expect(result.status).toBe(0);
      // 2 filters of 3x3 ones over an 8x8 image of ones, zero-padded: 2 * (2 + 6 * 3 + 2) ** 2. The
      // filter gradient of the sum: each tap sees (8 - |di|) * (8 - |dj|) pixels, 2 * (7 + 8 + 7) ** 2.
      expect(result.stdout).toBe(`threads ${cpus().length} ${cpus().length} sum 968 968\nend\n`);
    });

    it(`reports an uncaught error as Node does, exit code 1 (${runner})`, () => {
      writeFileSync(join(work, 'throws.mjs'), script("throw new Error('the user error');"));
      const result = attempt('node', args('throws.mjs'), 30_000);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Error: the user error');
      expect(result.stderr.length).toBeLessThan(2_000);
    });

    it(`reports an unhandled rejection as Node does, exit code 1 (${runner})`, () => {
      writeFileSync(join(work, 'rejects.mjs'), script("Promise.reject(new Error('the user rejection'));"));
      const result = attempt('node', args('rejects.mjs'), 30_000);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Error: the user rejection');
      expect(result.stderr.length).toBeLessThan(2_000);
    });
  }
});

describe('types of each entry, as each resolution mode sees them', () => {
  const compile = (resolution: 'node16' | 'bundler', files: Record<string, string>): string => {
    const dir = mkdtempSync(join(work, `types-${resolution}-`));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const module = resolution === 'node16' ? 'Node16' : 'ESNext';
    const result = spawnSync('node', [tsc, '--strict', '--exactOptionalPropertyTypes', '--noEmit', '--skipLibCheck', '--target', 'ES2022', '--module', module, '--moduleResolution', resolution, '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), ...Object.keys(files)], {
      cwd: dir,
      encoding: 'utf8',
    });
    return result.stdout;
  };
  const node = `import { buildMiniVGGNet, loadFashionMnist, saveModel, InvalidArgumentError, type MiniVGGNetOptions, type NodeLoadFashionMnistOptions } from 'tfjs-fashion-mnist/node';
import { useWasmBackend, type WasmBackendInfo } from 'tfjs-fashion-mnist/wasm';
const options: MiniVGGNetOptions = { width: 28, height: 28, depth: 1, classes: 10, dataFormat: 'channelsLast' };
const load: NodeLoadFashionMnistOptions = { dir: 'data', download: false };
export const run = async (): Promise<WasmBackendInfo> => {
  await saveModel(buildMiniVGGNet(options), 'out/model');
  await loadFashionMnist(load);
  return useWasmBackend({ threads: 'auto' });
};
export const error: Error = new InvalidArgumentError('y', { argument: 'x', received: 1 });
`;
  const browser = `import { buildMiniVGGNet, loadFashionMnist } from 'tfjs-fashion-mnist';
export const run = async () => (await loadFashionMnist({ baseUrl: 'data/' })).train.count + buildMiniVGGNet().countParams();
`;

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-checks Node and browser consumers (${resolution})`, () => {
      const files: Record<string, string> = { 'node.mts': node, 'browser.mts': browser };
      if (resolution === 'node16') files['cjs.cts'] = "import node = require('tfjs-fashion-mnist/node');\nexport const f: typeof node.saveModel = node.saveModel;\n";
      expect(compile(resolution, files)).toBe('');
    });

    it(`keeps Node-only functions and wrong options out of the root entry (${resolution})`, () => {
      const diagnostics = compile(resolution, {
        'wrong.mts': "import { buildMiniVGGNet, loadFashionMnist, saveModel } from 'tfjs-fashion-mnist';\nbuildMiniVGGNet({ dataFormat: 'NHWC' });\nvoid loadFashionMnist({ dir: 'data' });\n",
      });
      expect(diagnostics).toMatch(/wrong\.mts\(1,\d+\): error TS2305: Module '"tfjs-fashion-mnist"' has no exported member 'saveModel'/);
      expect(diagnostics).toMatch(/wrong\.mts\(2,\d+\): error TS2322: Type '"NHWC"' is not assignable/);
      expect(diagnostics).toMatch(/wrong\.mts\(3,\d+\): error TS2353: Object literal may only specify known properties, and 'dir' does not exist/);
    });
  }
});

describe('a browser bundle of buildMiniVGGNet alone', () => {
  it('contains no Node built-in, image codec, chart or font renderer, by module', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: "import { buildMiniVGGNet } from 'tfjs-fashion-mnist';\nconsole.log(buildMiniVGGNet().countParams());", resolveDir: work, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      external: ['@tensorflow/*'],
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const included = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path);
    expect(included.length).toBeGreaterThan(0);
    expect(included.filter((path) => !/node_modules\/tfjs-fashion-mnist\/dist\/(index\.js|chunk-\w+\.js)$/.test(path) && path !== '<stdin>')).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((path) => /^(node:)?(fs|os|path|crypto|zlib|util|worker_threads|module)(\/|$)/.test(path))).toEqual([]);
    // Measured 7,510 bytes (docs/benchmarks.md); tfjs itself is external (the application brings it).
    expect(result.outputFiles[0]!.contents.length).toBeLessThan(8_000);
  });

  it('stays as small in a Vite build of an app using the installed package', async () => {
    const { build } = await import('vite');
    writeFileSync(join(work, 'app.js'), "import { buildMiniVGGNet } from 'tfjs-fashion-mnist';\nconsole.log(buildMiniVGGNet().countParams());\n");
    const warnings: string[] = [];
    const result = await build({
      root: work,
      configFile: false,
      logLevel: 'silent',
      build: {
        write: false,
        minify: true,
        rolldownOptions: { input: join(work, 'app.js'), external: [/^@tensorflow\//], onwarn: (warning) => void warnings.push(warning.message) },
      },
    });
    const output = (Array.isArray(result) ? result[0]! : result) as { output: Array<{ type: string; code?: string; moduleIds?: string[] }> };
    const chunks = output.output.filter((file) => file.type === 'chunk');
    const modules = chunks.flatMap((chunk) => chunk.moduleIds ?? []);
    expect(modules.some((id) => id.includes('node_modules/tfjs-fashion-mnist/dist/'))).toBe(true);
    expect(modules.filter((id) => /vega|d3-|resvg|fontsource|fast-png|jpeg-js|iobuffer|fflate|__vite-browser-external/.test(id))).toEqual([]);
    expect(warnings.filter((message) => /externalized for browser compatibility/.test(message))).toEqual([]);
    expect(chunks.reduce((bytes, chunk) => bytes + (chunk.code?.length ?? 0), 0)).toBeLessThan(8_000);
  });

  it('gives a Vite app the pretrained files as assets, the way the README shows', async () => {
    const { build } = await import('vite');
    writeFileSync(
      join(work, 'pretrained-app.js'),
      "import modelUrl from 'tfjs-fashion-mnist/pretrained/model.json?url';\nimport weightsUrl from 'tfjs-fashion-mnist/pretrained/weights.bin?url';\nconsole.log(modelUrl, weightsUrl);\n",
    );
    const result = await build({
      root: work,
      configFile: false,
      logLevel: 'silent',
      build: { write: false, assetsInlineLimit: 0, rolldownOptions: { input: join(work, 'pretrained-app.js') } },
    });
    const output = (Array.isArray(result) ? result[0]! : result) as { output: Array<{ type: string; fileName: string; source?: Uint8Array | string; code?: string }> };
    const assets = output.output.filter((file) => file.type === 'asset');
    const bytes = (name: string) => readFileSync(join(work, 'node_modules/tfjs-fashion-mnist/pretrained', name));
    const model = assets.find((file) => /model-[\w-]+\.json$/.test(file.fileName));
    const weights = assets.find((file) => /weights-[\w-]+\.bin$/.test(file.fileName));
    expect(Buffer.from(model!.source as Uint8Array).equals(bytes('model.json'))).toBe(true);
    expect(Buffer.from(weights!.source as Uint8Array).equals(bytes('weights.bin'))).toBe(true);
    const code = output.output.find((file) => file.type === 'chunk')!.code!;
    expect(code).toContain(model!.fileName);
    expect(code).toContain(weights!.fileName);
  });
});

it('leaves the consumer project without stray files from the runs', () => {
  expect(existsSync(join(work, 'node_modules/tfjs-fashion-mnist/dist/cli.js'))).toBe(true);
});
