// Kernels of a MiniVGGNet training step in isolation on the wasm backend, at the shapes of the
// network's two convolution blocks at batch 32: batch norm and the element-wise kernels around it.
// With and without the library's training kernels, it shows what a kernel of the library gains
// over the stock one and which stock kernels run slower than memory speed.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npx tsx bench/kernel-micro.ts [options]
  Median milliseconds of single kernels on [32,28,28,32] and [32,14,14,64] tensors.
  --threads <n>   backend threads (default 2)
  --repeats <n>   timed calls per kernel after 2 for warm-up (default 15)
  --stock         without the library's training kernels (stock tfjs-backend-wasm)
`);
const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, repeats: { type: 'string', default: '15' }, stock: { type: 'boolean', default: false } } });
await useWasmBackend({ threads: Number(values.threads), trainingKernels: !values.stock });
const time = (f: () => tf.Tensor | tf.Tensor[], repeats = Number(values.repeats)): number => {
  const times: number[] = [];
  for (let i = 0; i < repeats + 2; i++) {
    const start = performance.now();
    tf.dispose(f());
    if (i >= 2) times.push(performance.now() - start);
  }
  return median(times);
};
for (const shape of [[32, 28, 28, 32], [32, 14, 14, 64]]) {
  const c = shape[3]!;
  const x = tf.randomNormal(shape);
  const x2 = tf.randomNormal(shape);
  const m = tf.randomNormal([c]);
  const v = tf.randomUniform([c], 0.5, 2);
  const m4 = tf.reshape(m, [1, 1, 1, c]);
  const rows = [
    ['FusedBatchNorm', () => tf.batchNorm(x, m, v, m, v, 1e-3)],
    ['Sub x-[1,1,1,C]', () => tf.sub(x, m4)],
    ['Sub x-[C]', () => tf.sub(x, m)],
    ['Sub same shape', () => tf.sub(x, x2)],
    ['Multiply same shape', () => tf.mul(x, x2)],
    ['Multiply scalar', () => tf.mul(x, 2)],
    ['Square', () => tf.square(x)],
    ['Relu', () => tf.relu(x)],
    ['Step', () => tf.step(x)],
    ['Floor', () => tf.floor(x)],
    ['Add scalar', () => tf.add(x, 0.5)],
    ['RealDiv scalar', () => tf.div(x, 0.5)],
    ['Mean leading', () => tf.mean(x, [0, 1, 2])],
    ['randomUniform (JS)', () => tf.randomUniform(shape)],
  ] as const;
  for (const [name, f] of rows) console.log(`${String(shape).padEnd(12)} ${name.padEnd(22)} ${time(f).toFixed(2).padStart(6)} ms`);
  tf.dispose([x, x2, m, v, m4]);
}
process.exit(0);
