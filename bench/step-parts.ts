// Parts of one MiniVGGNet training step on the wasm backend with the library's kernels, timed in the
// same process: the whole trainOnBatch, the optimizer's applyGradients inside it, and the dropout
// masks' random numbers (tf.randomUniform, generated in JavaScript) for the model's three dropouts.
//   npx tsx bench/step-parts.ts --batch 32 --threads 2 [--stock-kernels FusedBatchNorm,...]
// --stock-kernels puts back the stock wasm kernels of those names after the library registered its
// own, to measure one replacement against the stock kernel in otherwise identical runs.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '32' }, threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '20' }, 'stock-kernels': { type: 'string', default: '' } } });
const batch = Number(values.batch);
const stockNames = values['stock-kernels'].split(',').filter(Boolean);
const stockConfigs = stockNames.map((name) => tf.getKernel(name, 'wasm')!);
await useWasmBackend({ threads: Number(values.threads) });
for (const config of stockConfigs) {
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}
const model = buildMiniVGGNet({ seed: 1 });
const optimizer = new KerasSGD();
model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10), 'float32'));

let applyMs = 0;
const apply = optimizer.applyGradients.bind(optimizer);
optimizer.applyGradients = (gradients) => {
  const start = performance.now();
  apply(gradients);
  applyMs = performance.now() - start;
};
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const steps: number[] = [];
const applies: number[] = [];
const masks: number[] = [];
const maskShapes = [[batch, 14, 14, 32], [batch, 7, 7, 64], [batch, 512]];
for (let i = 0; i < Number(values.steps); i++) {
  const start = performance.now();
  await model.trainOnBatch(x, y);
  steps.push(performance.now() - start);
  applies.push(applyMs);
  const maskStart = performance.now();
  tf.dispose(maskShapes.map((shape) => tf.randomUniform(shape, 0, 1, 'float32')));
  masks.push(performance.now() - maskStart);
}
console.log(
  `${stockNames.length ? `stock ${stockNames.join(',')}` : 'library kernels'}: batch ${batch}, ${values.threads} thread(s), ${steps.length} steps: step median ${median(steps).toFixed(1)} ms; ` +
    `applyGradients ${median(applies).toFixed(1)} ms; dropout masks' tf.randomUniform ${median(masks).toFixed(1)} ms`,
);
process.exit(0);
