// The consumer check: pack the package as npm would publish it, install the tarball into a fresh
// project, and use it there as ESM, as CommonJS and from a type-checked TypeScript file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tfjs-fashion-mnist-consumer-'));
const tfjsVersion = JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')).version as string;

function run(command: string, args: string[], cwd = work): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  run('npm', ['run', 'build'], root);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(work, packed[0]!.filename);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', [
    'install', '--no-audit', '--no-fund', '--prefer-offline', tarball,
    `@tensorflow/tfjs-core@${tfjsVersion}`, `@tensorflow/tfjs-layers@${tfjsVersion}`, `@tensorflow/tfjs-backend-cpu@${tfjsVersion}`,
  ]);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

// Builds the model, then a captioned montage and a chart PNG: the viz half loads wasm, a font and
// ESM-only Vega through dynamic imports, which must work from both module systems.
const usage = `
  const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
  const split = { images: new Uint8Array(784).fill(100), count: 1, height: 28, width: 28 };
  buildMontage(split, [96, 96], [1, 1], { captions: ['bag'] })
    .then(async ([montage]) => {
      const png = await chartToPng(trainingHistorySpec({ loss: [1, 0.5] }));
      console.log(model.countParams(), montage.width, png[1] === 0x50 && png[2] === 0x4e);
    });
`;

describe('the packed package, installed in a fresh project', () => {
  it('ships only dist, README and package.json', () => {
    const listing = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as Array<{ files: Array<{ path: string }> }>;
    const paths = listing[0]!.files.map((f) => f.path).sort();
    expect(paths.every((p) => p.startsWith('dist/') || ['README.md', 'package.json', 'LICENSE'].includes(p))).toBe(true);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.cjs');
    expect(paths).toContain('dist/index.d.ts');
  });

  it('imports as an ES module', () => {
    writeFileSync(join(work, 'esm.mjs'), `import '@tensorflow/tfjs-backend-cpu';\nimport { buildMiniVGGNet, buildMontage, chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist';\n${usage}`);
    expect(run('node', ['esm.mjs']).trim()).toBe('1679082 96 true');
  });

  it('requires as CommonJS', () => {
    writeFileSync(join(work, 'cjs.cjs'), `require('@tensorflow/tfjs-backend-cpu');\nconst { buildMiniVGGNet, buildMontage, chartToPng, trainingHistorySpec } = require('tfjs-fashion-mnist');\n${usage}`);
    expect(run('node', ['cjs.cjs']).trim()).toBe('1679082 96 true');
  });

  it('type-checks a strict TypeScript consumer', () => {
    writeFileSync(
      join(work, 'consumer.ts'),
      [
        "import { buildMiniVGGNet, InvalidArgumentError, type MiniVGGNetOptions } from 'tfjs-fashion-mnist';",
        "const options: MiniVGGNetOptions = { width: 28, height: 28, depth: 1, classes: 10, dataFormat: 'channelsLast' };",
        'const params: number = buildMiniVGGNet(options).countParams();',
        'const error: Error = new InvalidArgumentError("x", "y", params);',
        'export { error };',
      ].join('\n'),
    );
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, exactOptionalPropertyTypes: true },
        files: ['consumer.ts'],
      }),
    );
    // A deliberately wrong option must fail, proving the check really reads the declarations.
    writeFileSync(join(work, 'wrong.ts'), "import { buildMiniVGGNet } from 'tfjs-fashion-mnist';\nbuildMiniVGGNet({ dataFormat: 'NHWC' });\n");
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(() => run('node', [tsc, '-p', 'tsconfig.json'])).not.toThrow();
    let diagnostics = '';
    try {
      run('node', [tsc, '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--noEmit', '--skipLibCheck', 'wrong.ts']);
    } catch (error) {
      diagnostics = String((error as { stdout?: string }).stdout);
    }
    expect(diagnostics).toMatch(/wrong\.ts\(2,\d+\): error TS2322: Type '"NHWC"' is not assignable/);
  });
});

describe('a browser bundle of buildMiniVGGNet alone', () => {
  it('resolves no Node built-ins and leaves out the chart and font renderers', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: "import { buildMiniVGGNet } from './dist/index.js';\nconsole.log(buildMiniVGGNet().countParams());", resolveDir: root, loader: 'js' },
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
    // package.json's "browser" field maps the built-ins the Node-only paths import to nothing.
    expect(Object.keys(result.metafile.inputs).filter((path) => /^(node:)?(fs|os|path|crypto|zlib|util|worker_threads|module)(\/|$)/.test(path))).toEqual([]);
    expect(included.filter((path) => /vega|d3-|resvg|fontsource|dist\/node-|dist\/atomic-/.test(path))).toEqual([]);
    // Reported in docs/benchmarks.md; tfjs itself is external (the application brings it).
    expect(result.outputFiles[0]!.contents.length).toBeLessThan(60_000);
  });
});

describe('a Vite build of an app that imports buildMiniVGGNet from the installed package', () => {
  it('resolves no Node built-ins and leaves out the chart and font renderers', async () => {
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
    expect(modules.some((id) => id.includes('tfjs-fashion-mnist/dist/index.js'))).toBe(true);
    expect(modules.filter((id) => /vega|d3-|resvg|fontsource|__vite-browser-external/.test(id))).toEqual([]);
    expect(warnings.filter((message) => /externalized for browser compatibility/.test(message))).toEqual([]);
    expect(chunks.reduce((bytes, chunk) => bytes + (chunk.code?.length ?? 0), 0)).toBeLessThan(60_000);
  });
});
