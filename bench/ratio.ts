// npm run bench:ratio: the library's training throughput as a fraction of PyTorch's, robust to a
// shared machine's drift (20-30% within minutes): rounds that alternate the PyTorch reference
// (bench/torch_reference.py) and the library on the wasm backend in Node (bench/backend.ts: raw
// trainOnBatch steps and trainFashionMnist), in the order ABBA so a drift during the run hits both
// sides alike. Each round reports both throughputs at batch 32 and their ratios; then the medians.
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
  --rounds <n>    rounds, each one PyTorch and one library run (default 6)
  --threads <n>   threads of the library's wasm backend (default 2)
`);

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, threads: { type: 'string', default: '2' } } });
const root = join(fileURLToPath(import.meta.url), '../..');

async function json(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(command, args, { cwd: root, env, maxBuffer: 1 << 24, timeout: 10 * 60_000 });
  return JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)!) as Record<string, any>;
}

const pytorch = async () => (await json(TORCH_PYTHON, [join(root, 'bench/torch_reference.py'), '--train-batches', '32', '--infer-batch', '32'], torchProcessEnv(TORCH_ENV))).train['32'].imagesPerSecond as number;
const library = async () => {
  const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
  const result = await json(process.execPath, [tsx, join(root, 'bench/backend.ts'), '--config', `wasm-kernels-${values.threads}`, '--train-batches', '32', '--infer-batch', '32'], process.env);
  return { step: result.train['32'].imagesPerSecond as number, fit: result.fit.imagesPerSecond as number };
};

const rows: Array<{ torch: number; step: number; fit: number }> = [];
for (let round = 0; round < Number(values.rounds); round++) {
  let torch: number;
  let lib: { step: number; fit: number };
  if (round % 2 === 0) {
    torch = await pytorch();
    lib = await library();
  } else {
    lib = await library();
    torch = await pytorch();
  }
  rows.push({ torch, ...lib });
  console.log(`round ${round + 1} (${new Date().toISOString().slice(11, 19)} UTC): PyTorch ${torch.toFixed(1)} images/s; library raw step ${lib.step.toFixed(1)} (${(lib.step / torch).toFixed(2)}), trainFashionMnist ${lib.fit.toFixed(1)} (${(lib.fit / torch).toFixed(2)})`);
}
const ratios = (key: 'step' | 'fit') => rows.map((r) => r[key] / r.torch);
console.log(
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${values.threads} threads, batch 32, ${rows.length} alternating rounds: ` +
    `median ratio to PyTorch ${median(ratios('fit')).toFixed(2)} through trainFashionMnist (range ${Math.min(...ratios('fit')).toFixed(2)}-${Math.max(...ratios('fit')).toFixed(2)}), ` +
    `${median(ratios('step')).toFixed(2)} per raw step (range ${Math.min(...ratios('step')).toFixed(2)}-${Math.max(...ratios('step')).toFixed(2)}); PyTorch median ${median(rows.map((r) => r.torch)).toFixed(1)} images/s.`,
);
