// Element-wise kernels of a MiniVGGNet step in isolation on the wasm backend, against a plain
// JavaScript loop over the same heap memory: which stock kernels are slower than memory speed.
//   npx tsx bench/kernel-micro.ts --threads 2 [--stock]   (--stock: without the library's kernels)
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, stock: { type: 'boolean', default: false } } });
await useWasmBackend({ threads: Number(values.threads), trainingKernels: !values.stock });
const time = (f: () => tf.Tensor | tf.Tensor[], repeats = 15): number => {
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
}
process.exit(0);
