// npm run bench: measures, on this machine, MiniVGGNet training and inference throughput for each
// backend configuration (each in its own process), plus data loading and report time. Prints a
// table, writes docs/benchmarks.json and refreshes the table between docs/benchmarks.md's
// `<!-- bench:start -->` and `<!-- bench:end -->` markers.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { classificationReport, loadFashionMnist } from '../src/node.js';
import { CHROMIUM_PATH } from '../test/helpers/chromium.js';
import { median } from './throughput.js';
import { TORCH_ENV, TORCH_PYTHON, torchProcessEnv } from './torch-env.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npm run bench [-- options]      (npx tsx bench/run.ts [options])
  Each configuration in its own process, one after the other: tfjs-backend-cpu, stock
  tfjs-backend-wasm, the wasm backend with this library's kernels on 1 thread and on every core,
  headless Chromium (if /usr/bin/chromium exists), tfjs-node (if installed) and the PyTorch
  reference (bench/torch_reference.py, if \$BENCH_PYTHON or /usr/bin/python3 can import torch).
  Needs the Fashion-MNIST files (apt-get install dataset-fashion-mnist) for the loading time.
  Takes minutes (tfjs-backend-cpu alone several); run it on an otherwise idle machine.
  --skip-cpu   leave out tfjs-backend-cpu (minutes per training step)
  --no-write   print the table only; leave docs/benchmarks.md and docs/benchmarks.json as they are
`);
const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { 'skip-cpu': { type: 'boolean' }, 'no-write': { type: 'boolean' } } });

async function timeLoading(): Promise<{ ms: number; runs: number[]; source: string }> {
  const runs: number[] = [];
  let source = '';
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const data = await loadFashionMnist({ download: false });
    runs.push(performance.now() - start);
    source = `${data.source.kind} (${data.source.location})`;
  }
  return { ms: median(runs), runs, source };
}

function timeReport(): { ms: number } {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) % 10;
  const yTrue = Array.from({ length: 10_000 }, random);
  const yPred = yTrue.map((t) => (random() < 9 ? t : random()));
  const names = ['top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];
  const runs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    classificationReport(yTrue, yPred, { targetNames: names });
    runs.push(performance.now() - start);
  }
  return { ms: median(runs.slice(5)) };
}

async function hasTfjsNode(): Promise<boolean> {
  return import('@tensorflow/tfjs-node' as string).then(() => true, () => false);
}

async function hasPyTorch(): Promise<boolean> {
  return promisify(execFile)(TORCH_PYTHON, ['-c', 'import torch']).then(() => true, () => false);
}

async function runConfig(config: string): Promise<Record<string, unknown>> {
  const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
  process.stderr.write(`[bench] ${config}...\n`);
  const [command, args] =
    config === 'pytorch'
      ? [TORCH_PYTHON, [join(root, 'bench/torch_reference.py')]]
      : [process.execPath, config === 'chromium' ? [tsx, join(root, 'bench/browser.ts')] : [tsx, join(root, 'bench/backend.ts'), '--config', config]];
  const env = config === 'pytorch' ? torchProcessEnv(TORCH_ENV) : process.env;
  const { stdout } = await promisify(execFile)(command, args, { cwd: root, env, maxBuffer: 1 << 24, timeout: 30 * 60_000 });
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)!;
  return JSON.parse(line) as Record<string, unknown>;
}

type TrainCell = { imagesPerSecond?: number; msPerStep?: number; meanMsPerStep?: number; steps?: number; error?: string; skipped?: string };
const cell = (t: TrainCell | undefined): string =>
  !t
    ? ''
    : t.error
      ? `fails: ${t.error.slice(0, 100)}`
      : t.skipped
        ? `not run (${t.skipped})`
        : `${t.imagesPerSecond!.toFixed(1)} (median ${t.msPerStep!.toFixed(0)} ms/step of ${t.steps}${t.meanMsPerStep !== undefined && t.steps! > 1 ? `, mean ${t.meanMsPerStep.toFixed(0)}` : ''})`;

const LABELS: Record<string, string> = {
  cpu: 'tfjs-backend-cpu',
  'wasm-stock': 'tfjs-backend-wasm, stock',
  'tfjs-node': 'tfjs-node',
};
const label = (result: Record<string, unknown>): string => {
  const config = result['config'] as string;
  if (config === 'pytorch') return `${String(result['backend'])} (Debian python3-torch, bench/torch_reference.py), ${String(result['threads'])}: the native reference`;
  if (config === 'chromium-wasm-kernels') return `tfjs-backend-wasm + tfjs-fashion-mnist kernels, ${String(result['threads'])}, in headless Chromium ${String(result['browser'])}`;
  return LABELS[config] ?? `tfjs-backend-wasm + tfjs-fashion-mnist kernels, ${config.slice('wasm-kernels-'.length)} thread(s), Node`;
};

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const loading = await timeLoading();
const report = timeReport();
const configs = [
  ...(values['skip-cpu'] ? [] : ['cpu']),
  'wasm-stock',
  'wasm-kernels-1',
  `wasm-kernels-${cpus().length}`,
  ...(existsSync(CHROMIUM_PATH) ? ['chromium'] : []),
  ...((await hasTfjsNode()) ? ['tfjs-node'] : []),
  ...((await hasPyTorch()) ? ['pytorch'] : []),
];
const results = [];
for (const config of [...new Set(configs)]) results.push(await runConfig(config));

const pytorch = results.find((r) => r.config === 'pytorch');
const pytorch32 = (pytorch?.train as Record<string, TrainCell> | undefined)?.['32']?.imagesPerSecond;
/** This row's batch-32 training throughput as a fraction of PyTorch's, measured in the same run. */
const ratio = (t: TrainCell | undefined): string => (pytorch32 && t?.imagesPerSecond ? ` = ${(t.imagesPerSecond / pytorch32).toFixed(2)} of PyTorch` : '');
const rows = results.map((r) => {
  const train = r.train as Record<string, TrainCell>;
  const fit = r.fit as TrainCell | undefined;
  const infer = r.infer as { batch: number; imagesPerSecond: number };
  const fitCell = fit ? `${cell(fit)}${ratio(fit)}` : '';
  return `| ${label(r)} | ${cell(train['32'])}${r === pytorch ? '' : ratio(train['32'])} | ${fitCell} | ${cell(train['128'])} | ${infer.imagesPerSecond.toFixed(0)} (batch ${infer.batch}) |`;
});
const table = [
  `Measured ${machine.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, with \`npm run bench\`.`,
  '',
  '| Backend | Training step, batch 32 (images/s) | `trainFashionMnist`, batch 32 (images/s) | Training step, batch 128 (images/s) | Inference (images/s) |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
  '',
  `Loading all 70,000 images from ${loading.source}, decompressed and SHA-256-verified: ${loading.ms.toFixed(0)} ms (median of 3).`,
  `classificationReport for 10,000 predictions: ${report.ms.toFixed(2)} ms (median of 25).`,
  `tfjs-node: ${results.some((r) => r.config === 'tfjs-node') ? 'measured above' : 'not installed here, not measured'}.`,
  `PyTorch: ${pytorch ? 'measured above, the same network, loss and optimizer on random data (bench/torch_reference.py)' : `not measured (${TORCH_PYTHON} cannot import torch: apt-get install python3-torch libopenblas0-pthread)`}.`,
  `Chromium: ${results.some((r) => r.config === 'chromium-wasm-kernels') ? `${CHROMIUM_PATH}, headless, through playwright-core (bench/browser.ts)` : `not found at ${CHROMIUM_PATH}, not measured`}.`,
].join('\n');
console.log(table);

if (!values['no-write']) {
  await writeFile(join(root, 'docs/benchmarks.json'), `${JSON.stringify({ machine, loading, report, results }, null, 2)}\n`);
  const docPath = join(root, 'docs/benchmarks.md');
  const doc = await readFile(docPath, 'utf8');
  const updated = doc.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`);
  await writeFile(docPath, updated);
}
