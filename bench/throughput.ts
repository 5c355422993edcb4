// The measurements themselves, shared by the Node configurations (bench/backend.ts) and the
// Chromium one (bench/browser/main.ts): MiniVGGNet training steps and forward passes on random data.
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';

export type TrainResult = { imagesPerSecond: number; msPerStep: number; meanMsPerStep: number; steps: number } | { error: string };

/** The median: on a shared virtual machine single steps stall now and then, and the mean follows them. */
function median(values: number[]): number {
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
    const y = model.predict(x) as tf.Tensor;
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
