// The measurements themselves, shared by the Node configurations (bench/backend.ts) and the
// Chromium one (bench/browser/main.ts): MiniVGGNet training steps and forward passes on random data.
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, KerasSGD, trainFashionMnist, type FashionMnistSplit, type TrainOptions } from '../src/index.js';

export type TrainResult = { imagesPerSecond: number; msPerStep: number; meanMsPerStep: number; steps: number } | { error: string };

/** The median: on a shared virtual machine single steps stall now and then, and the mean follows them. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function trainThroughput(batch: number, steps: number, warmup: number): Promise<TrainResult> {
  const model = buildMiniVGGNet({ seed: 1 });
  model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10), 'float32'));
  try {
    for (let i = 0; i < warmup; i++) await model.trainOnBatch(x, y);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await model.trainOnBatch(x, y);
      times.push(performance.now() - start);
    }
    const ms = median(times);
    return { imagesPerSecond: (batch * 1000) / ms, msPerStep: ms, meanMsPerStep: times.reduce((a, b) => a + b, 0) / steps, steps };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0]! };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

export async function inferThroughput(batch: number, repeats: number): Promise<{ imagesPerSecond: number }> {
  const model = buildMiniVGGNet({ seed: 1 });
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 3);
  const run = async () => {
    const y = model.predict(x, { batchSize: batch }) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  await run();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await run();
  const ms = (performance.now() - start) / repeats;
  tf.dispose(x);
  model.dispose();
  return { imagesPerSecond: (batch * 1000) / ms };
}

/**
 * Milliseconds per step of one epoch of `trainFashionMnist` on `train` (MiniVGGNet, seed 1), the
 * first `warmup` steps left out: the time between the ends of consecutive batches, so the batching,
 * scaling, one-hot labels and bookkeeping outside `trainOnBatch` count too.
 */
export async function trainingStepTimes(train: FashionMnistSplit, batch: number, warmup: number, options: TrainOptions = {}): Promise<number[]> {
  const model = buildMiniVGGNet({ seed: 1 });
  const times: number[] = [];
  let last = 0;
  try {
    await trainFashionMnist(model, { train }, {
      ...options,
      epochs: 1,
      batchSize: batch,
      callbacks: [
        {
          onEpochBegin: () => void (last = performance.now()),
          onBatchEnd: (step) => {
            const now = performance.now();
            if (step >= warmup) times.push(now - last);
            last = now;
          },
        },
      ],
    });
  } finally {
    model.optimizer?.dispose();
    model.dispose();
  }
  return times;
}

/** Throughput through the library's own training loop at `batch`, on random images; see {@link trainingStepTimes}. */
export async function fitThroughput(batch: number, steps: number, warmup: number): Promise<TrainResult> {
  const count = batch * (steps + warmup);
  const images = new Uint8Array(count * 784);
  let seed = 1;
  for (let i = 0; i < images.length; i++) images[i] = (seed = (seed * 16807) % 2147483647) & 255;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  try {
    const times = await trainingStepTimes({ images, labels, count, height: 28, width: 28 }, batch, warmup);
    const ms = median(times);
    return { imagesPerSecond: (batch * 1000) / ms, msPerStep: ms, meanMsPerStep: times.reduce((a, b) => a + b, 0) / times.length, steps };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0]! };
  }
}
