// Batch normalisation's training pass per MiniVGGNet layer shape on the wasm backend (2 threads),
// forward alone and forward + backward (a weighted sum as the loss): tfjs-layers' own composition
// (tf.moments + tf.batchNorm and their gradients) against the library's fused kernel, on the SIMD
// kernels and on XNNPACK passes (simdKernels: false). Milliseconds per call, median of 5 rounds of 20.
//   npx tsx bench/batch-norm-training.ts
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_KERNEL } from '../src/kernel-names.js';
import { disableSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { useWasmBackend } from '../src/wasm/node.js';

await useWasmBackend({ threads: 2 });
type Norm = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => tf.Tensor;
const layers: Norm = (x, scale, offset) => {
  const { mean, variance } = tf.moments(x, x.shape.map((_, i) => i).slice(0, -1));
  return tf.batchNorm(x, mean, variance, offset, scale, 0.001);
};
const fused: Norm = (x, scale, offset) => (tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, scale, offset }, { varianceEpsilon: 0.001 }) as tf.Tensor[])[0]!;

function median(f: () => void): number {
  for (let i = 0; i < 5; i++) f();
  const rounds = Array.from({ length: 5 }, () => {
    const start = performance.now();
    for (let i = 0; i < 20; i++) f();
    return (performance.now() - start) / 20;
  });
  return rounds.sort((a, b) => a - b)[2]!;
}

const rows: string[] = [];
for (const [label, setUp] of [['SIMD kernels', async () => {}], ['XNNPACK passes', disableSimdKernels]] as const) {
  await setUp();
  for (const shape of [[32, 28, 28, 32], [32, 14, 14, 64], [32, 512]]) {
    const channels = shape[shape.length - 1]!;
    const [x, w] = [tf.randomUniform(shape), tf.randomUniform(shape)];
    const [scale, offset] = [tf.ones([channels]), tf.zeros([channels])];
    const time = (norm: Norm) => [
      median(() => tf.tidy(() => void norm(x, scale, offset))),
      median(() => tf.dispose(tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(norm(a, s, o), w)))([x, scale, offset]))),
    ];
    const [layersForward, layersBoth] = time(layers);
    const [fusedForward, fusedBoth] = time(fused);
    rows.push(`| ${label} | [${shape}] | ${layersForward!.toFixed(2)} / ${layersBoth!.toFixed(2)} | ${fusedForward!.toFixed(2)} / ${fusedBoth!.toFixed(2)} |`);
    tf.dispose([x, w, scale, offset]);
  }
}
console.log('| Fused kernel on | x | tfjs-layers: forward / both (ms) | fused: forward / both (ms) |\n| --- | --- | --- | --- |');
console.log(rows.join('\n'));
process.exit(0);
