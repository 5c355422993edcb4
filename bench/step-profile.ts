// Where one MiniVGGNet training step's time goes on the wasm backend: kernel time by kernel
// (tf.profile) against the step's wall time, at a given batch and thread count.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npx tsx bench/step-profile.ts [options]
  Times MiniVGGNet training steps (trainOnBatch on random data) on the wasm backend, then profiles
  some with tf.profile and lists the kernels by time.
  --batch <n>       batch size (default 32)
  --threads <n>     backend threads (default 2)
  --steps <n>       unprofiled steps timed for the wall-time median (default 10)
  --profiles <n>    profiled steps, averaged (default 3)
  --top <n>         rows listed (default 20)
  --accuracy        compile with metrics: ['accuracy'], as trainFashionMnist does
  --shapes          one row per kernel and input shapes instead of per kernel
  --stock           without the library's training kernels (stock tfjs-backend-wasm)
  --xnnpack-only    the library's training kernels, but none of its SIMD kernels
`);
const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '10' },
    profiles: { type: 'string', default: '3' },
    top: { type: 'string', default: '20' },
    accuracy: { type: 'boolean', default: false },
    shapes: { type: 'boolean', default: false },
    stock: { type: 'boolean', default: false },
    'xnnpack-only': { type: 'boolean', default: false },
  },
});
const batch = Number(values.batch);
const profiles = Number(values.profiles);
const backend = await useWasmBackend({ threads: Number(values.threads), trainingKernels: !values.stock, simdKernels: !values['xnnpack-only'] });
// Profiling reads no tensor values; checking every kernel's output for NaN would add its own time.
tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
const model = buildMiniVGGNet({ seed: 1 });
model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy', ...(values.accuracy ? { metrics: ['accuracy'] } : {}) });
const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10), 'float32'));
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const walls: number[] = [];
for (let i = 0; i < Number(values.steps); i++) {
  const start = performance.now();
  await model.trainOnBatch(x, y);
  walls.push(performance.now() - start);
}

const rows = new Map<string, { ms: number; calls: number }>();
let kernelMs = 0;
let calls = 0;
const profiledWalls: number[] = [];
for (let p = 0; p < profiles; p++) {
  const start = performance.now();
  const info = await tf.profile(async () => void (await model.trainOnBatch(x, y)));
  profiledWalls.push(performance.now() - start);
  for (const k of info.kernels) {
    // The …__op entries wrap kernels listed on their own: counting them would count time twice.
    if (k.name.endsWith('__op')) continue;
    const ms = (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / profiles;
    const key = values.shapes ? `${k.name} ${k.inputShapes.map((s) => (s ? `[${s}]` : '-')).join(' ')}` : k.name;
    const row = rows.get(key) ?? { ms: 0, calls: 0 };
    rows.set(key, { ms: row.ms + ms, calls: row.calls + 1 / profiles });
    kernelMs += ms;
    calls += 1 / profiles;
  }
}
const kernels = values.stock ? 'stock kernels' : backend.simdKernelThreads ? `library kernels, SIMD on ${backend.simdKernelThreads}` : 'library kernels, XNNPACK only';
console.log(
  `batch ${batch}, ${backend.threads} thread(s), ${kernels}: median step ${median(walls).toFixed(0)} ms unprofiled; ` +
    `profiled step ${median(profiledWalls).toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms in ${Math.round(calls)} calls`,
);
for (const [name, row] of [...rows].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top))) {
  console.log(`  ${row.ms.toFixed(2).padStart(7)} ms ${String(Math.round(row.calls)).padStart(4)} calls  ${name}`);
}
process.exit(0);
