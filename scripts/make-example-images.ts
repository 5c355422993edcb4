// Writes the sample pictures in examples/images/: Fashion-MNIST test images 0, 1 and 2 (an ankle
// boot, a pullover, a trouser), enlarged four times and inverted to dark on light like a product
// photo, so that the README's first example and `predict` have a picture to classify.
//   npx tsx scripts/make-example-images.ts
import { resolve } from 'node:path';
import { FASHION_MNIST_LABELS, loadFashionMnist, savePng } from '../src/node.js';

const SCALE = 4;
const { test } = await loadFashionMnist();
for (const index of [0, 1, 2]) {
  const side = 28 * SCALE;
  const data = new Uint8Array(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    const value = test.images[index * 784 + Math.floor(p / side / SCALE) * 28 + Math.floor((p % side) / SCALE)]!;
    data.fill(255 - value, p * 3, p * 3 + 3);
  }
  const name = FASHION_MNIST_LABELS[test.labels[index]!]!.replace(/[^a-z]+/g, '-');
  const file = resolve(import.meta.dirname, '../examples/images', `${name}.png`);
  await savePng({ width: side, height: side, data }, file);
  console.log(`test image ${index} (${FASHION_MNIST_LABELS[test.labels[index]!]}) -> ${file}`);
}
