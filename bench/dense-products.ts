// A dense layer's three products (MiniVGGNet's 3136x512 layer at batch 32) through the wasm backend
// with the library's kernels: native/dense.c (SIMD kernels) against the XNNPACK matrix products the
// training kernels use otherwise, alternating in one process. The weight matrix is a new tensor each
// time, as in training (XNNPACK packs it per tensor).
//   npx tsx bench/dense-products.ts [--threads 2] [--rounds 5]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { useWasmBackend } from '../src/wasm/node.js';
import { SimdKernels } from '../src/wasm/simd/kernels.js';
import { median } from './throughput.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '5' } } });
await useWasmBackend({ threads: Number(values.threads) });
const supportsDense = SimdKernels.supportsDense.bind(SimdKernels);
const [m, k, n] = [32, 3136, 512];
const x = tf.randomNormal([m, k]) as tf.Tensor2D;
const w = tf.randomNormal([k, n]) as tf.Tensor2D;
const bias = tf.randomNormal([n]) as tf.Tensor1D;
const dy = tf.randomNormal([m, n]) as tf.Tensor2D;
const products = {
  'x·w + b': (fresh: tf.Tensor2D) => tf.fused.matMul({ a: x, b: fresh, bias }),
  'dy·wᵀ': (fresh: tf.Tensor2D) => tf.matMul(dy, fresh, false, true),
  'xᵀ·dy': () => tf.matMul(x, dy, true, false),
};
/** Median milliseconds of 9 calls, the copy that makes w a new tensor excluded. */
const time = (product: (fresh: tf.Tensor2D) => tf.Tensor) => {
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const fresh = tf.add(w, 0) as tf.Tensor2D;
    const start = performance.now();
    const out = product(fresh);
    out.dataSync();
    times.push(performance.now() - start);
    tf.dispose([fresh, out]);
  }
  return median(times);
};
for (let round = 1; round <= Number(values.rounds); round++) {
  const row = Object.entries(products).map(([name, product]) => {
    SimdKernels.supportsDense = supportsDense;
    const simd = time(product);
    SimdKernels.supportsDense = () => false;
    const xnnpack = time(product);
    return `${name} ${simd.toFixed(2)} / ${xnnpack.toFixed(2)}`;
  });
  console.log(`round ${round} (SIMD / XNNPACK ms, ${values.threads} threads): ${row.join(', ')}`);
}
process.exit(0);
