// The page of test/webgpu.e2e.test.ts, bundled with esbuild: MiniVGGNet on tfjs-backend-webgpu and on
// tfjs-backend-cpu in the same page. `window.stepOnBoth()` computes one training step's loss and
// gradients on both backends from the same weights, images and dropout masks; `window.trainOnWebGpu()`
// trains a few steps on webgpu with trainFashionMnist.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { seedDropoutMasks } from '../../src/architectures/dropout-training.js';
import { buildMiniVGGNet, trainFashionMnist, type FashionMnistSplit } from '../../src/index.js';

/** `count` seeded 28x28 images: noise over a band at a class-dependent row, as the golden test's. */
function syntheticSplit(count: number, seed: number): FashionMnistSplit {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < 784; p++) {
      const row = Math.floor(p / 28);
      images[i * 784 + p] = Math.min(255, (row >= 2 * label && row < 2 * label + 4 ? 160 : 0) + Math.floor(random() * 96));
    }
  }
  return { images, labels, count, height: 28, width: 28 };
}

/** One training step's loss and gradients (in the order of the model's trainable weights) on `backend`. */
async function lossAndGradients(backend: string, split: FashionMnistSplit): Promise<{ loss: number; gradients: number[][]; names: string[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not start.`);
  const model = buildMiniVGGNet({ seed: 7 });
  const x = tf.tidy(() => tf.div(tf.tensor4d(split.images, [split.count, 28, 28, 1], 'float32'), 255));
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(split.labels, 'int32'), 10), 'float32'));
  // The same masks on both backends: seeded masks come from tfjs-core's seeded generator.
  seedDropoutMasks(model, 5);
  const variables = model.trainableWeights.map((weight) => (weight as unknown as { read(): tf.Variable }).read());
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const p = model.apply(x, { training: true }) as tf.Tensor;
        // Keras' categorical cross-entropy of softmax outputs, as trainFashionMnist compiles it.
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
      }),
    variables,
  );
  const loss = (await value.data())[0]!;
  const gradients = await Promise.all(variables.map(async (variable) => Array.from(await grads[variable.name]!.data())));
  // Layer names count the layers built so far: without the count, the two models' names are equal.
  const names = model.trainableWeights.map((weight) => weight.originalName.replace(/\d+(?=\/)/, ''));
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return { loss, gradients, names };
}

async function stepOnBoth(count: number) {
  const split = syntheticSplit(count, 11);
  const cpu = await lossAndGradients('cpu', split);
  const webgpu = await lossAndGradients('webgpu', split);
  return { cpu, webgpu };
}

async function trainOnWebGpu(count: number, batchSize: number) {
  if (!(await tf.setBackend('webgpu'))) throw new Error('The webgpu backend did not start.');
  const before = tf.memory().numTensors;
  const model = buildMiniVGGNet({ seed: 7 });
  const initial = Array.from(await model.getWeights()[0]!.data());
  const losses: number[] = [];
  const result = await trainFashionMnist(model, { train: syntheticSplit(count, 12) }, { epochs: 1, batchSize, seed: 3, callbacks: [{ onBatchEnd: (_step, logs) => void losses.push(logs.loss) }] });
  const trained = Array.from(await model.getWeights()[0]!.data());
  const changed = trained.filter((value, i) => value !== initial[i]).length;
  model.optimizer?.dispose();
  model.dispose();
  return { losses, history: result.history.loss, changed, weights: trained.length, leaked: tf.memory().numTensors - before, backend: tf.getBackend() };
}

const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string } } | null> } }).gpu;
const adapter = await gpu?.requestAdapter();
Object.assign(window, { stepOnBoth, trainOnWebGpu, adapter: adapter ? (adapter.info?.architecture ?? 'unknown') : null });
document.body.dataset['state'] = 'ready';
