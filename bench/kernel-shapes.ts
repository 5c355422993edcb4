// One MiniVGGNet training step at batch 32 on 2 threads (wasm backend, the library's kernels, accuracy
// metric as trainFashionMnist compiles it), kernel time by kernel and input shapes, averaged over three
// profiled steps (tf.profile; the …__op wrappers left out).
//   npx tsx bench/kernel-shapes.ts
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
await useWasmBackend({ threads: 2 });
tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
const model = buildMiniVGGNet({ seed: 1 });
model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 1);
const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 2), 10), 'float32'));
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const agg = new Map<string, { ms: number; calls: number }>();
for (let r = 0; r < 3; r++) {
  const info = await tf.profile(async () => void (await model.trainOnBatch(x, y)));
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue;
    const key = `${k.name} ${k.inputShapes.map((s) => (s ? `[${s}]` : '-')).join(' ')}`;
    const e = agg.get(key) ?? { ms: 0, calls: 0 };
    agg.set(key, { ms: e.ms + (k.kernelTimeMs as number) / 3, calls: e.calls + 1 / 3 });
  }
}
for (const [k, v] of [...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 60)) console.log(v.ms.toFixed(2).padStart(7), String(Math.round(v.calls)).padStart(4), k);
process.exit(0);
