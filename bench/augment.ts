// npx tsx bench/augment.ts: what augmentation costs a MiniVGGNet training step (batch 32, wasm
// backend, one thread), on real Fashion-MNIST images. Prints
//   - the augmentation alone (translate 2 + flip + random erasing) per batch of 32, in microseconds,
//     next to the scaling of a batch to a float tensor that every step does anyway;
//   - the median time per step of trainFashionMnist with and without augmentation, runs interleaved
//     (A B A B …) so that a change in the machine's load hits both alike.
// Not part of the test suite: timings on a shared machine are not assertions.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { loadFashionMnist, subsetSplit, type AugmentOptions, type FashionMnistSplit } from '../src/node.js';
import { imagesToTensor } from '../src/datasets/tensors.js';
import { augmentBatch, batchSeed, resolveAugment } from '../src/training/augment.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { median, trainingStepTimes } from './throughput.js';

const BATCH = 32;
const STEPS = 20;
const WARMUP = 3;
const ROUNDS = 3;
const AUGMENT: AugmentOptions = { translate: 2, flip: true, erase: true };

/** Microseconds per call of `run`, the median of 20 blocks of `repeats` calls. */
function microseconds(run: (i: number) => void, repeats: number): number {
  for (let i = 0; i < repeats; i++) run(i);
  const blocks: number[] = [];
  for (let block = 0; block < 20; block++) {
    const start = performance.now();
    for (let i = 0; i < repeats; i++) run(block * repeats + i);
    blocks.push(((performance.now() - start) * 1000) / repeats);
  }
  return median(blocks);
}

function augmentationAlone(train: FashionMnistSplit) {
  const settings = resolveAugment(AUGMENT, 'AUGMENT')!;
  const batches = Array.from({ length: 64 }, (_, b) => Uint32Array.from({ length: BATCH }, (_, i) => (b * 937 + i * 61) % train.count));
  const augment = microseconds((i) => augmentBatch(train, batches[i % 64]!, settings, batchSeed(42, 0, i)), 200);
  const scale = microseconds((i) => imagesToTensor(train, batches[i % 64]!).dispose(), 200);
  return { augmentMicroseconds: augment, scaleToTensorMicroseconds: scale };
}

/** Median milliseconds per step of one short trainFashionMnist run, the first WARMUP steps left out. */
async function stepTime(train: FashionMnistSplit, augment: AugmentOptions | undefined): Promise<number> {
  return median(await trainingStepTimes(train, BATCH, WARMUP, augment ? { augment } : {}));
}

async function main(): Promise<void> {
  const info = await useWasmBackend({ threads: 1 });
  const data = await loadFashionMnist({ download: false });
  const alone = augmentationAlone(data.train);
  const train = subsetSplit(data.train, { count: BATCH * (STEPS + WARMUP), seed: 1 });
  const plain: number[] = [];
  const augmented: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(await stepTime(train, undefined));
    augmented.push(await stepTime(train, AUGMENT));
  }
  const [withoutMs, withMs] = [median(plain), median(augmented)];
  console.log(JSON.stringify({
    backend: `${tf.getBackend()} (${info.threads} thread)`,
    batch: BATCH,
    augment: AUGMENT,
    augmentAloneMicrosecondsPerBatch: Number(alone.augmentMicroseconds.toFixed(1)),
    scaleToTensorMicrosecondsPerBatch: Number(alone.scaleToTensorMicroseconds.toFixed(1)),
    stepMsWithout: plain.map((ms) => Number(ms.toFixed(1))),
    stepMsWith: augmented.map((ms) => Number(ms.toFixed(1))),
    medianStepMsWithout: Number(withoutMs.toFixed(1)),
    medianStepMsWith: Number(withMs.toFixed(1)),
    stepOverheadPercent: Number((((withMs - withoutMs) / withoutMs) * 100).toFixed(1)),
    augmentAloneShareOfStepPercent: Number(((alone.augmentMicroseconds / 1000 / withoutMs) * 100).toFixed(2)),
    loadAverage: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
  }, null, 2));
}

await main();
