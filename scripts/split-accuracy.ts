// Accuracy of saved models on the training and test splits, without augmentation or dropout
// (inference mode): how much a recipe fits its training data against how well it generalises
// (docs/results.md, recipes A and C). Used for the tutorial recipe's run 2 and recipes A and C on 2026-11-30.
//   npx tsx scripts/split-accuracy.ts <model-dir>...
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { loadFashionMnist, loadModel, type FashionMnistSplit } from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';

await useWasmBackend({ threads: 1 });
const data = await loadFashionMnist();

function accuracy(model: Awaited<ReturnType<typeof loadModel>>, split: FashionMnistSplit): number {
  let correct = 0;
  for (let start = 0; start < split.count; start += 500) {
    const count = Math.min(500, split.count - start);
    const predicted = tf.tidy(() => {
      const pixels = tf.tensor4d(split.images.subarray(start * 784, (start + count) * 784), [count, 28, 28, 1], 'float32');
      return tf.argMax(model.predict(tf.div(pixels, 255)) as tf.Tensor, 1).dataSync();
    });
    for (let i = 0; i < count; i++) if (predicted[i] === split.labels[start + i]) correct++;
  }
  return correct / split.count;
}

for (const dir of process.argv.slice(2)) {
  const model = await loadModel(dir);
  console.log(`${dir}: train ${(accuracy(model, data.train) * 100).toFixed(2)}%, test ${(accuracy(model, data.test) * 100).toFixed(2)}%`);
  model.dispose();
}
process.exit(0);
