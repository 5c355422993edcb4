// A/B of library kernels inside one process, so the machine's drift (20-30% within minutes) hits both
// sides alike: MiniVGGNet training steps at batch 32 (as trainFashionMnist compiles it), alternating
// rounds with the named kernels registered and unregistered (the layers and gradients that use them
// fall back to tfjs' own code when they are missing), or with --own-memory, the SIMD kernels in
// the backend's memory (in place) against the same kernels in a memory of their own (copying), or
// with --dense, the SIMD dense-layer products (native/dense.c) against the XNNPACK matrix products,
// or with --winograd, the Winograd 3x3 convolutions (native/winograd.c) against XNNPACK's.
//   npx tsx bench/toggle-kernels.ts --kernels FashionMnistDropoutMask [--threads 2] [--rounds 6] [--steps 8]
//   npx tsx bench/toggle-kernels.ts --own-memory
//   npx tsx bench/toggle-kernels.ts --dense
//   npx tsx bench/toggle-kernels.ts --winograd
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { SimdKernels } from '../src/wasm/simd/kernels.js';
import { enableSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { startNodeKernelWorkers } from '../src/wasm/simd/node-workers.js';
import { median } from './throughput.js';

const { values } = parseArgs({ options: { kernels: { type: 'string' }, 'own-memory': { type: 'boolean', default: false }, dense: { type: 'boolean', default: false }, winograd: { type: 'boolean', default: false }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '6' }, steps: { type: 'string', default: '8' } } });
const names = (values.kernels ?? '').split(',').filter(Boolean);
const { threads, simdKernelThreads } = await useWasmBackend({ threads: Number(values.threads) });
const ownMemory = (own: boolean) => enableSimdKernels(simdKernelThreads, threads > 1 ? startNodeKernelWorkers : undefined, { ownMemory: own });
// --dense, --winograd: the training kernels ask these whether a case fits the SIMD kernels.
const supportsDense = SimdKernels.supportsDense.bind(SimdKernels);
const supportsConv3x3 = SimdKernels.supportsConv3x3.bind(SimdKernels);
const dense = (on: boolean) => {
  if (values.dense) SimdKernels.supportsDense = on ? supportsDense : () => false;
  if (values.winograd) SimdKernels.supportsConv3x3 = on ? supportsConv3x3 : () => false;
};
const configs = names.map((name) => {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`No wasm kernel named ${name}`);
  return config;
});
const model = buildMiniVGGNet({ seed: 1 });
model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 1);
const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 2), 10), 'float32'));
const steps = async () => {
  const times: number[] = [];
  for (let i = 0; i < Number(values.steps); i++) {
    const start = performance.now();
    await model.trainOnBatch(x, y);
    times.push(performance.now() - start);
  }
  return median(times);
};
await steps();
const ratios: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const on = await steps();
  for (const config of configs) tf.unregisterKernel(config.kernelName, 'wasm');
  if (values['own-memory']) await ownMemory(true);
  dense(false);
  const off = await steps();
  for (const config of configs) tf.registerKernel(config);
  if (values['own-memory']) await ownMemory(false);
  dense(true);
  ratios.push(off / on);
  console.log(`round ${round + 1}: with ${on.toFixed(1)} ms, without ${off.toFixed(1)} ms per step (without/with ${(off / on).toFixed(3)})`);
}
const subject = values['own-memory'] ? 'SIMD kernels in place' : values.dense ? 'SIMD dense products' : values.winograd ? 'Winograd 3x3 convolutions' : names.join(',');
console.log(`${subject}: median step time without/with ${median(ratios).toFixed(3)} over ${ratios.length} rounds, ${values.threads} thread(s)`);
process.exit(0);
