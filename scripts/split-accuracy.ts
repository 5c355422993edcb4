// Accuracy of saved models on the 60,000 training and the 10,000 test images, in inference mode
// (no augmentation, no dropout): how much a recipe fits its training data against how well it
// generalises. docs/results.md's training-split figures come from it.
//   npx tsx scripts/split-accuracy.ts <model-dir>...
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { loadFashionMnist, loadModel, type FashionMnistSplit } from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: npx tsx scripts/split-accuracy.ts <model-dir>...');
  process.exit(1);
}
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

for (const dir of dirs) {
  const model = await loadModel(dir);
  console.log(`${dir}: train ${(accuracy(model, data.train) * 100).toFixed(2)}%, test ${(accuracy(model, data.test) * 100).toFixed(2)}%`);
  model.dispose();
}
process.exit(0);
