/// <reference types="vite/client" />
// The browser demo: load a verified sample of Fashion-MNIST from this page's own server, train
// MiniVGGNet on the backend the user picks, show live loss/accuracy, then the classification report,
// the confusion matrix and a captioned montage; the model trained last is offered to the Classify
// panel (classify-panel.ts). Everything it needs is bundled or served with it.
//
// URL parameters (used by the end-to-end test, handy for sharing): ?backend=wasm|webgl|webgpu
// &train=6000&test=1000&epochs=3&autostart
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import threadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import resvgWasm from '@resvg/resvg-wasm/index_bg.wasm?url';
import fontRegular from '@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff2?url';
import fontBold from '@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff2?url';
import '@fontsource/dejavu-sans/latin-400.css';
import './style.css';
import { createClassifyPanel } from './classify-panel.js';
import {
  buildMiniVGGNet,
  buildMontage,
  chartToSvg,
  classificationReport,
  configureRenderer,
  confusionMatrix,
  confusionMatrixSpec,
  drawImageToCanvas,
  evaluateModel,
  loadFashionMnist,
  subsetSplit,
  trainFashionMnist,
  trainingHistorySpec,
  type ChartSpec,
  type FashionMnist,
  type FashionMnistChecksums,
} from 'tfjs-fashion-mnist';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

type BackendName = 'wasm' | 'webgl' | 'webgpu';

interface Settings {
  backend: BackendName;
  train: number;
  test: number;
  epochs: number;
}

interface Manifest {
  train: number;
  test: number;
  checksums: FashionMnistChecksums;
}

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const form = $<HTMLFormElement>('#controls');
const status = $('#status');

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

async function loadRendererAssets(): Promise<void> {
  const fonts = await Promise.all([fontRegular, fontBold].map(async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer())));
  configureRenderer({ wasm: fetch(resvgWasm), fonts });
}

/** Loads the sample this page is served with (see prepare-data.ts), verifying every file's SHA-256. */
async function loadData(): Promise<{ data: FashionMnist; manifest: Manifest }> {
  const response = await fetch('data/subset.json');
  if (!response.ok) {
    throw new Error(`data/subset.json: HTTP ${response.status}. Run \`npm run demo:data\` (or start the demo with \`npm run demo\`) to write the demo's data first.`);
  }
  const manifest = (await response.json()) as Manifest;
  const data = await loadFashionMnist({ baseUrl: 'data/', checksums: manifest.checksums });
  return { data, manifest };
}

const backends = new Map<BackendName, Promise<string>>();

/**
 * Makes `name` the active backend. Each backend is initialised once: the Classify panel and a
 * training run may ask for it at the same time, and starting one twice would build it twice.
 */
async function startBackend(name: BackendName): Promise<string> {
  let label = backends.get(name);
  if (!label) {
    label = initialiseBackend(name);
    backends.set(name, label);
    label.catch(() => backends.delete(name));
  }
  const result = await label;
  if (tf.engine().backendName !== name && !(await tf.setBackend(name))) throw new Error(`The ${name} backend could not start again.`);
  return result;
}

/** Starts `name`: wasm with the library's training kernels on all cores, or another backend as is. */
async function initialiseBackend(name: BackendName): Promise<string> {
  if (name === 'wasm') {
    // All cores; threads need a cross-origin isolated page (vite.config.ts sends the headers), and
    // threadedScript keeps them working in the minified build.
    const { threads, simdKernelThreads, fallback } = await useWasmBackend({ threadedScript });
    if (fallback) console.info(fallback.message);
    const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
    return `wasm, ${plural(threads)}, training kernels, SIMD kernels on ${plural(simdKernelThreads)}`;
  }
  // Loaded when chosen: it registers itself, and only browsers with WebGPU can use it.
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(name))) throw new Error(`The ${name} backend could not start in this browser (see the console).`);
  return name;
}

function readBackend(): BackendName {
  const backend = new FormData(form).get('backend');
  // A disabled option is left out of the form's data.
  if (backend === null && form.querySelector('select')!.value === 'webgpu') throw new Error('This browser has no WebGPU adapter: choose another backend.');
  if (backend !== 'wasm' && backend !== 'webgl' && backend !== 'webgpu') throw new Error(`Unknown backend "${String(backend)}".`);
  return backend;
}

/** Offers WebGPU where the browser has an adapter for it (navigator.gpu alone may have none). */
async function offerWebGpu(): Promise<void> {
  const option = form.querySelector<HTMLOptionElement>('option[value=webgpu]')!;
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  option.disabled = !adapter;
  option.textContent = adapter ? 'WebGPU' : 'WebGPU (not available in this browser)';
}

function readSettings(manifest: Manifest): Settings {
  const fields = new FormData(form);
  // Errors name a field by its label on the page, not by its form name.
  const number = (key: string, label: string, min: number, max: number): number => {
    const value = Number(fields.get(key));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${label} must be a whole number from ${min} to ${max}, but is "${String(fields.get(key))}".`);
    }
    return value;
  };
  return {
    backend: readBackend(),
    train: number('train', 'Training images', 32, manifest.train),
    test: number('test', 'Test images', 16, manifest.test),
    epochs: number('epochs', 'Epochs', 1, 25),
  };
}

/** Copies URL parameters into the form, so a link (or the test) can choose the settings. */
function applyUrlParameters(): boolean {
  const parameters = new URLSearchParams(location.search);
  for (const key of ['backend', 'train', 'test', 'epochs']) {
    const value = parameters.get(key);
    const field = form.elements.namedItem(key) as HTMLInputElement | HTMLSelectElement | null;
    if (value !== null && field) field.value = value;
  }
  return parameters.has('autostart');
}

async function render(target: string, spec: ChartSpec): Promise<void> {
  $(target).innerHTML = await chartToSvg(spec);
}

/** A live chart of the epoch's running loss and accuracy against the step. */
function batchChartSpec(points: { step: number; series: string; value: number }[], epoch: number): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Epoch ${epoch}: running loss and accuracy`,
    width: 420,
    height: 260,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'Step', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'Loss/Accuracy' },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['train_loss', 'train_acc'], range: ['#E24A33', '#988ED5'] } },
    },
    config: { font: 'DejaVu Sans', view: { fill: '#EBEBEB', stroke: null }, axis: { domain: false, gridColor: 'white' } },
  } as ChartSpec;
}

async function run(data: FashionMnist, settings: Settings): Promise<void> {
  const started = performance.now();
  const backendLabel = await startBackend(settings.backend);
  status.textContent = `${status.dataset['data']} · backend: ${backendLabel} · training…`;
  const train = subsetSplit(data.train, settings.train, 'train');
  const test = subsetSplit(data.test, settings.test, 'test');

  // Uncompiled, so trainFashionMnist compiles it with the tutorial's SGD (lr 0.01, momentum 0.9, decay lr/epochs).
  const model = buildMiniVGGNet({ seed: 42 });
  let accuracy: number;
  try {
    await trainWithProgress(model, train, test, settings);
    accuracy = await showResults(model, test, data.labelNames);
  } catch (error) {
    model.dispose();
    throw error;
  }
  // The Classify panel may use it from now on; it disposes of it when the next run's model replaces it.
  classifyPanel.setTrainedModel(model, `${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'} on ${train.count} images, test accuracy ${(accuracy * 100).toFixed(2)}%`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  status.textContent = `${status.dataset['data']} · backend: ${backendLabel} · done: ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'} in ${seconds} s, test accuracy ${(accuracy * 100).toFixed(2)}%. Press Train to run again.`;
  document.body.dataset['state'] = 'done';
}

/** Trains `model` with live progress and charts. */
async function trainWithProgress(model: Awaited<ReturnType<typeof buildMiniVGGNet>>, train: FashionMnist['train'], test: FashionMnist['test'], settings: Settings): Promise<void> {
  const progress = $<HTMLProgressElement>('#progress');
  const live = $('#live');
  let stepsPerEpoch = 1;
  let currentEpoch = 0;
  let points: { step: number; series: string; value: number }[] = [];
  let epochStart = performance.now();
  await trainFashionMnist(model, { train, test }, {
    epochs: settings.epochs,
    batchSize: 32,
    callbacks: [
      {
        onTrainBegin: (info) => {
          stepsPerEpoch = info.stepsPerEpoch;
          progress.max = info.epochs * info.stepsPerEpoch;
        },
        onEpochBegin: (epoch) => {
          currentEpoch = epoch;
          points = [];
          epochStart = performance.now();
        },
        onBatchEnd: async (step, logs) => {
          progress.value = currentEpoch * stepsPerEpoch + step + 1;
          const imagesPerSecond = ((step + 1) * 32) / ((performance.now() - epochStart) / 1000);
          live.textContent = `epoch ${currentEpoch + 1}/${settings.epochs} · step ${step + 1}/${stepsPerEpoch} · loss ${logs.loss.toFixed(4)} · accuracy ${logs.accuracy.toFixed(4)} · ${imagesPerSecond.toFixed(1)} images/s`;
          points.push({ step: step + 1, series: 'train_loss', value: logs.loss }, { step: step + 1, series: 'train_acc', value: logs.accuracy });
          if (step % 5 === 4 || step + 1 === stepsPerEpoch) await render('#batch-chart', batchChartSpec(points, currentEpoch + 1));
        },
        onEpochEnd: async (_epoch, _logs, result) => {
          await render('#history-chart', trainingHistorySpec(result.history, { width: 420, height: 260 }));
        },
      },
    ],
  });
}

/** Shows the report, confusion matrix and montage; returns the test accuracy. */
async function showResults(model: Awaited<ReturnType<typeof buildMiniVGGNet>>, test: FashionMnist['test'], labelNames: readonly string[]): Promise<number> {
  const evaluation = await evaluateModel(model, test);
  const labels = labelNames.map((_, i) => i);
  $('#report').textContent = classificationReport(test.labels, evaluation.predictions, { labels, targetNames: labelNames, zeroDivision: 0 });
  $('#accuracy').textContent = `test accuracy ${(evaluation.accuracy * 100).toFixed(2)}% on ${test.count} images`;
  await render('#confusion', confusionMatrixSpec(confusionMatrix(test.labels, evaluation.predictions, { labels }), labelNames, { cellSize: 36 }));

  const picked = subsetSplit(test, { count: Math.min(16, test.count), seed: Date.now() % 1e6 });
  const predictions = (await evaluateModel(model, picked)).predictions;
  const [montage] = await buildMontage(picked, [96, 96], [4, 4], {
    captions: Array.from(predictions, (p) => labelNames[p]!),
    captionColors: Array.from(predictions, (p, i) => (p === picked.labels[i] ? '#00ff00' : '#ff0000')),
  });
  drawImageToCanvas(montage!, $<HTMLCanvasElement>('#montage'));
  $('#results').hidden = false;
  return evaluation.accuracy;
}

function fail(error: unknown): void {
  console.error(error);
  status.classList.add('error');
  status.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  document.body.dataset['state'] = 'error';
}

const autostart = applyUrlParameters();
// The pretrained model loads on the running backend, or before any run on the one chosen in the form
// (wasm unless the URL says otherwise); tfjs moves its weights when a run switches backends.
const classifyPanel = createClassifyPanel(async () => {
  if (tf.engine().backendName == null) await startBackend(readBackend());
});

async function main(): Promise<void> {
  const [{ data, manifest }] = await Promise.all([loadData(), loadRendererAssets(), offerWebGpu()]);
  status.dataset['data'] = `Loaded ${data.train.count} training and ${data.test.count} test images from ${data.source.location} (SHA-256 verified)`;
  status.textContent = `${status.dataset['data']}. Choose the settings and press Train.`;
  document.body.dataset['state'] = 'ready';
  const button = form.querySelector('button')!;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    status.classList.remove('error');
    document.body.dataset['state'] = 'training';
    Promise.resolve()
      .then(() => run(data, readSettings(manifest)))
      .catch(fail)
      // Usable again after a run or an error, with other settings or the same.
      .finally(() => {
        button.disabled = false;
      });
  });
  if (autostart) form.requestSubmit();
}

main().catch(fail);
