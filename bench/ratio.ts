// npm run bench:ratio: the library's training throughput as a fraction of PyTorch's, robust to a
// shared machine's drift (20-30% within minutes): rounds that alternate the PyTorch reference
// (bench/torch_reference.py) and the library on the wasm backend in Node (bench/backend.ts: raw
// trainOnBatch steps and trainFashionMnist), in the order ABBA so a drift during the run hits both
// sides alike. Each round reports both throughputs at batch 32 and their ratios; then the medians.
// With --inference the rounds time classifying the 10,000 test images instead (bench/evaluate.ts
// against bench/torch_reference.py --evaluate, both streaming the images from the data set's files).
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { median } from './throughput.js';
import { TORCH_ENV, TORCH_PYTHON, torchProcessEnv } from './torch-env.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npm run bench:ratio [-- options]      (npx tsx bench/ratio.ts [options])
  Alternating rounds of the PyTorch reference (\$BENCH_PYTHON or /usr/bin/python3 with torch) and
  the library at batch 32; prints each round and the median ratios.
  --rounds <n>    rounds, each one PyTorch run and one library run per Node (default 6)
  --threads <n>   threads of the library's wasm backend (default 2)
  --node <paths>  comma-separated Node binaries to run the library on, each in every round, in an
                  order that turns from round to round (default: the Node running this script)
  --inference     time classifying the 10,000 test images (evaluateModel and classifyImages at
                  batch 128, the default) against PyTorch's best of batches 64, 128 and 256
  --data-dir <d>  the data set's folder, for --inference (default /usr/share/datasets/fashion-mnist)
`);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    threads: { type: 'string', default: '2' },
    node: { type: 'string' },
    inference: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
});
const root = join(fileURLToPath(import.meta.url), '../..');
const nodes = values.node ? values.node.split(',') : [process.execPath];

async function json(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(command, args, { cwd: root, env, maxBuffer: 1 << 24, timeout: 10 * 60_000 });
  return JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)!) as Record<string, any>;
}

async function nodeVersion(node: string): Promise<string> {
  return (await promisify(execFile)(node, ['--version'])).stdout.trim();
}

const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const torchScript = join(root, 'bench/torch_reference.py');
/** PyTorch's training throughput at batch 32, or with --inference its best of the streaming batches. */
const pytorch = async () => {
  if (!values.inference) return (await json(TORCH_PYTHON, [torchScript, '--train-batches', '32', '--infer-batch', '32'], torchProcessEnv(TORCH_ENV))).train['32'].imagesPerSecond as number;
  const result = await json(TORCH_PYTHON, [torchScript, '--evaluate', join(values['data-dir'], 't10k-images-idx3-ubyte.gz')], torchProcessEnv(TORCH_ENV));
  return Math.max(...(Object.values(result.evaluate) as number[]));
};
/** The library's two measures: raw steps and trainFashionMnist, or with --inference evaluateModel and classifyImages. */
const library = async (node: string) => {
  if (!values.inference) {
    const result = await json(node, [tsx, join(root, 'bench/backend.ts'), '--config', `wasm-kernels-${values.threads}`, '--train-batches', '32', '--infer-batch', '32'], process.env);
    return { step: result.train['32'].imagesPerSecond as number, fit: result.fit.imagesPerSecond as number };
  }
  const result = await json(node, [tsx, join(root, 'bench/evaluate.ts'), '--threads', values.threads, '--batches', '128'], process.env);
  return { step: result.classify['128'] as number, fit: result.evaluate['128'] as number };
};
const [stepName, fitName, what] = values.inference ? ['classifyImages', 'evaluateModel', 'classifying the 10,000 test images, batch 128 against PyTorch\'s best batch'] : ['raw step', 'trainFashionMnist', 'batch 32'];

const versions = await Promise.all(nodes.map(nodeVersion));
type Row = { torch: number; step: number; fit: number };
const rows: Row[][] = nodes.map(() => []);
for (let round = 0; round < Number(values.rounds); round++) {
  // PyTorch first in even rounds, last in odd ones; the Node binaries rotate, so that a drift during
  // the run hits every side alike.
  const order = nodes.map((_, i) => (i + round) % nodes.length);
  const lib: Array<{ step: number; fit: number }> = [];
  let torch = round % 2 === 0 ? await pytorch() : 0;
  for (const i of order) lib[i] = await library(nodes[i]!);
  if (round % 2 === 1) torch = await pytorch();
  const parts = nodes.map((_, i) => {
    rows[i]!.push({ torch, ...lib[i]! });
    return `Node ${versions[i]} ${stepName} ${lib[i]!.step.toFixed(1)} (${(lib[i]!.step / torch).toFixed(2)}), ${fitName} ${lib[i]!.fit.toFixed(1)} (${(lib[i]!.fit / torch).toFixed(2)})`;
  });
  console.log(`round ${round + 1} (${new Date().toISOString().slice(11, 19)} UTC): PyTorch ${torch.toFixed(1)} images/s; ${parts.join('; ')}`);
}
const range = (values: number[]) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;
nodes.forEach((_, i) => {
  const ratios = (key: 'step' | 'fit') => rows[i]!.map((r) => r[key] / r.torch);
  console.log(
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${versions[i]}, ${values.threads} threads, ${what}, ${rows[i]!.length} alternating rounds: ` +
      `median ratio to PyTorch ${median(ratios('fit')).toFixed(2)} through ${fitName} (range ${range(ratios('fit'))}), ` +
      `${median(ratios('step')).toFixed(2)} through ${stepName} (range ${range(ratios('step'))}); PyTorch median ${median(rows[i]!.map((r) => r.torch)).toFixed(1)} images/s, ` +
      `library median ${median(rows[i]!.map((r) => r.fit)).toFixed(1)} images/s through ${fitName}.`,
  );
});
