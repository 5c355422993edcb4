// One difference between Keras 2 (the tutorial's) and tfjs-layers, measured on a trained model:
// Keras' BatchNormalization updates its moving variance with the unbiased batch variance,
// variance * m / (m - (1 + epsilon)) where m is the number of values per channel in a batch
// (batch x height x width), while tfjs-layers uses the biased one. For MiniVGGNet at batch 32 that is
// a factor of 1.00004 for the convolution blocks and 1.0323 for the dense block (m = 32). Moving
// averages are linear, so a model trained by tfjs-layers has the moving variances Keras would have
// had divided by that factor (up to the first steps' initial value of 1, long decayed). This script
// evaluates a saved model as it is and with every moving variance multiplied by its factor.
//
//   npx tsx scripts/bn-variance-correction.ts <model-dir> [--batch 32]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { evaluateModel, loadFashionMnist, loadModel } from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { batch: { type: 'string', default: '32' }, data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' } } });
if (positionals.length !== 1) throw new Error('usage: bn-variance-correction.ts <model-dir> [--batch 32]');
await useWasmBackend({ threads: 1 });
const data = await loadFashionMnist({ dir: values.data, download: false });
const model = await loadModel(positionals[0]!);
const batch = Number(values.batch);

const before = await evaluateModel(model, data.test);
console.log(`as trained (tfjs-layers' biased moving variance): ${(before.accuracy * 100).toFixed(2)}%`);
for (const layer of model.layers) {
  if (layer.getClassName() !== 'BatchNormalization') continue;
  const input = layer.input as tf.SymbolicTensor;
  const valuesPerChannel = batch * input.shape.slice(1, -1).reduce<number>((p, d) => p * (d ?? 1), 1);
  const epsilon = (layer.getConfig() as { epsilon: number }).epsilon;
  const factor = valuesPerChannel / (valuesPerChannel - (1 + epsilon));
  const weights = layer.getWeights();
  const corrected = weights.map((w, i) => (layer.weights[i]!.originalName.endsWith('moving_variance') ? tf.mul(w, factor) : w.clone()));
  layer.setWeights(corrected);
  tf.dispose(corrected);
  console.log(`${layer.name}: ${valuesPerChannel} values per channel, moving variance x ${factor.toFixed(5)}`);
}
const after = await evaluateModel(model, data.test);
console.log(`with Keras' unbiased moving variance: ${(after.accuracy * 100).toFixed(2)}%`);
