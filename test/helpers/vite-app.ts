// A web app as `npm create vite` (template vanilla-ts) makes it, using the installed package as its
// README says: src/setup.ts is the package's examples/browser-setup.ts, and a cross-origin isolated
// app's vite.config.ts is the package's examples/vite-config.ts. Its src/main.ts trains MiniVGGNet
// for a few steps on a sample served from public/data/ and classifies test images with the
// pretrained model, then publishes what happened as `window.appReport`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const version = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** What the app's page publishes once it has run (or failed). */
export interface AppReport {
  backend?: { threads: number; trainingKernels: boolean; simdKernelThreads: number; fallback?: { reason: string; message: string } };
  backendName?: string;
  crossOriginIsolated: boolean;
  cores: number;
  /** The training loss after each step. */
  losses?: number[];
  /** The pretrained model's classes for the first test images, and their true labels. */
  predictions?: number[];
  labels?: number[];
  error?: string;
}

/** The images the page trains on and classifies. */
export const APP_TRAIN_IMAGES = 64;
export const APP_TEST_IMAGES = 32;

// The harness: everything the package offers a browser, through its public entries only.
const MAIN = `import './style.css';
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, classifyImages, loadFashionMnist, subsetSplit, trainFashionMnist, type FashionMnistChecksums } from 'tfjs-fashion-mnist';

interface Report {
  [key: string]: unknown;
}
const report: Report = { crossOriginIsolated, cores: navigator.hardwareConcurrency };
try {
  const { backend, model } = await import('./setup.ts');
  report['backend'] = backend;
  report['backendName'] = tf.getBackend();
  const manifest = (await (await fetch('data/subset.json')).json()) as { checksums: FashionMnistChecksums };
  const data = await loadFashionMnist({ baseUrl: new URL('data/', location.href).href, checksums: manifest.checksums });
  const trainee = buildMiniVGGNet({ seed: 1 });
  const losses: number[] = [];
  const train = subsetSplit(data.train, ${APP_TRAIN_IMAGES});
  await trainFashionMnist(trainee, { train, test: subsetSplit(data.test, 16) }, { epochs: 1, batchSize: 32, callbacks: [{ onBatchEnd: (_step, logs) => { losses.push(logs.loss); } }] });
  trainee.dispose();
  report['losses'] = losses;
  const count = ${APP_TEST_IMAGES};
  const results = await classifyImages(model, Array.from({ length: count }, (_, i) => data.test.images.subarray(i * 784, (i + 1) * 784)));
  report['predictions'] = results.map((result) => result.classIndex);
  report['labels'] = Array.from(data.test.labels.subarray(0, count));
  document.querySelector('#app')!.textContent = 'Trained ' + losses.length + ' steps; classified ' + count + ' test images.';
} catch (error) {
  report['error'] = String(error);
}
(window as unknown as { appReport: Report }).appReport = report;
`;

const INDEX = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Vite + TS</title>
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`;

// create-vite's tsconfig.json for vanilla-ts.
const TSCONFIG = {
  compilerOptions: {
    target: 'es2023',
    module: 'esnext',
    lib: ['ES2023', 'DOM'],
    types: ['vite/client'],
    allowArbitraryExtensions: true,
    skipLibCheck: true,
    moduleResolution: 'bundler',
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    moduleDetection: 'force',
    noEmit: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    erasableSyntaxOnly: true,
    noFallthroughCasesInSwitch: true,
  },
  include: ['src'],
};

/**
 * Writes the app into `dir` and installs it from `tarball` (offline where npm's cache has the
 * packages); `isolated` adds the package's examples/vite-config.ts as its vite.config.ts, which sends the COOP/COEP headers.
 */
export function createViteApp(dir: string, tarball: string, isolated: boolean): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'public'), { recursive: true });
  const tfjs = version('@tensorflow/tfjs-core');
  const manifest = {
    name: 'vite-typescript-starter',
    private: true,
    version: '0.0.0',
    type: 'module',
    scripts: { dev: 'vite', build: 'tsc && vite build', preview: 'vite preview' },
    dependencies: {
      '@tensorflow/tfjs-backend-wasm': tfjs,
      '@tensorflow/tfjs-core': tfjs,
      '@tensorflow/tfjs-layers': tfjs,
      'tfjs-fashion-mnist': `file:${tarball}`,
    },
    devDependencies: { typescript: version('typescript'), vite: version('vite') },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'public', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect width="16" height="16"/></svg>\n');
  writeFileSync(join(dir, 'src', 'style.css'), 'body { font-family: system-ui, sans-serif; }\n');
  writeFileSync(join(dir, 'src', 'main.ts'), MAIN);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const examples = join(dir, 'node_modules', 'tfjs-fashion-mnist', 'examples');
  copyFileSync(join(examples, 'browser-setup.ts'), join(dir, 'src', 'setup.ts'));
  if (isolated) copyFileSync(join(examples, 'vite-config.ts'), join(dir, 'vite.config.ts'));
}
