// Where one MiniVGGNet training step's time goes on the wasm backend with the library's kernels, at
// a given batch and thread count: kernel time by kernel (tf.profile) against the step's wall time.
//   npx tsx bench/step-profile.ts --batch 16 --threads 1 [--accuracy] [--top 14]
// --accuracy compiles with metrics: ['accuracy'], as trainFashionMnist does.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '16' }, threads: { type: 'string', default: '1' }, steps: { type: 'string', default: '10' }, top: { type: 'string', default: '14' }, accuracy: { type: 'boolean', default: false } } });
const batch = Number(values.batch);
await useWasmBackend({ threads: Number(values.threads) });
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
const byKernel = new Map<string, { ms: number; calls: number }>();
let kernelMs = 0;
const profiled = performance.now();
const info = await tf.profile(async () => void (await model.trainOnBatch(x, y)));
const profiledWall = performance.now() - profiled;
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  byKernel.set(k.name, { ms: entry.ms + ms, calls: entry.calls + 1 });
  kernelMs += ms;
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
console.log(`batch ${batch}, ${values.threads} thread(s): median step ${median(walls).toFixed(0)} ms unprofiled; profiled step ${profiledWall.toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms in ${info.kernels.length} calls`);
for (const [name, { ms, calls }] of rows.slice(0, Number(values.top))) console.log(`  ${name.padEnd(24)} ${ms.toFixed(1).padStart(6)} ms ${String(calls).padStart(4)} calls`);
process.exit(0);
