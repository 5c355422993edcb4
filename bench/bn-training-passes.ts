// What a batch-norm training pass written as one custom-gradient op would save on the wasm backend
// (docs/benchmarks.md, "Fewer kernel calls"): forward and backward of batch norm with batch
// statistics on [N,H,W,C], as tfjs-layers runs it (tf.moments, then tf.batchNorm, each kernel with
// its own gradient) against a tf.customGrad op whose gradient is the closed form
//   dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)),  dγ = Σdy·x̂,  dβ = Σdy.
// A measurement only: the library does not use the custom op.
//   npx tsx bench/bn-training-passes.ts --threads 2
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' } } });
await useWasmBackend({ threads: Number(values.threads) });
const EPSILON = 0.001;

function asLayers(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, beta, gamma, EPSILON);
}

const fused = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const count = x.size / x.shape[x.rank - 1]!;
  const centered = tf.sub(x, tf.mean(x, axes));
  const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes), EPSILON));
  save([centered, invStd, gamma]);
  return {
    value: tf.add(tf.mul(centered, tf.mul(gamma, invStd)), beta),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xc, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dBeta = tf.sum(dy, axes);
      const dyXc = tf.sum(tf.mul(dy, xc), axes);
      const k1 = tf.mul(g, inv);
      const k2 = tf.div(tf.mul(tf.mul(k1, tf.square(inv)), dyXc), -count);
      const shift = tf.div(dBeta, -count);
      const dx = tf.add(tf.mul(tf.add(dy, shift), k1), tf.mul(xc, k2));
      return [dx, tf.mul(dyXc, inv), dBeta];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

for (const shape of [[32, 28, 28, 32], [32, 14, 14, 64]]) {
  const c = shape[3]!;
  const x = tf.randomNormal(shape, 0.3, 2, 'float32', 1);
  const w = tf.randomNormal(shape, 0, 1, 'float32', 2);
  const gamma = tf.randomUniform([c], 0.5, 1.5, 'float32', 3);
  const beta = tf.randomNormal([c], 0, 1, 'float32', 4);
  const run = (bn: (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
    tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bn(a, g, b), w)))([x, gamma, beta]);
  const time = (bn: (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => {
    const times: number[] = [];
    for (let i = 0; i < 17; i++) {
      const start = performance.now();
      tf.dispose(run(bn));
      if (i >= 2) times.push(performance.now() - start);
    }
    return median(times);
  };
  const reference = run(asLayers);
  const candidate = run(fused);
  const differences = reference.map((r, i) => tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(r, candidate[i]!))), tf.max(tf.abs(r))).dataSync()[0]!));
  const layers = [time(asLayers), time(asLayers)];
  const custom = [time(fused), time(fused)];
  console.log(`${String(shape).padEnd(12)} moments + batchNorm ${layers.map((t) => t.toFixed(2)).join('/')} ms; custom op ${custom.map((t) => t.toFixed(2)).join('/')} ms; max relative difference dx/dγ/dβ ${differences.map((d) => d.toExponential(1)).join('/')}`);
  tf.dispose([x, w, gamma, beta, ...reference, ...candidate]);
}
process.exit(0);
