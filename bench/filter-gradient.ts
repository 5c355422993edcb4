// The library's filter-gradient kernel (native/filter-gradient.c) against XNNPACK's formulation
// (useWasmBackend's simdKernels: false) on the same inputs in one process, MiniVGGNet's four layers at
// batch 32 plus two small uneven cases: median ms of 16 calls each, alternating, and the largest
// relative difference. `npx tsx bench/filter-gradient.ts [threads]` (default 2).
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '../src/wasm/node.js';
import { disableSimdKernels, enableSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { startNodeKernelWorkers } from '../src/wasm/simd/node-workers.js';
const info = await useWasmBackend({ threads: Number(process.argv[2] ?? 2) });
console.log(JSON.stringify(info));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
for (const [n, h, w, ci, co, pad, k] of [[32, 28, 28, 1, 32, 'same', 3], [32, 28, 28, 32, 32, 'same', 3], [32, 14, 14, 32, 64, 'same', 3], [32, 14, 14, 64, 64, 'same', 3], [3, 9, 7, 5, 12, 'valid', 2], [2, 8, 8, 3, 8, 'same', 4]] as const) {
  const x = tf.randomUniform([n, h, w, ci], -1, 1) as tf.Tensor4D;
  const oh = pad === 'same' ? h : h - k + 1, ow = pad === 'same' ? w : w - k + 1;
  const dy = tf.randomUniform([n, oh, ow, co], -1, 1) as tf.Tensor4D;
  const call = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] } as never) as tf.Tensor;
  const times: Record<string, number[]> = { simd: [], xnn: [] };
  const results: Record<string, Float32Array> = {};
  for (const mode of ['simd', 'xnn', 'simd', 'xnn']) {
    if (mode === 'simd') await enableSimdKernels(info.threads, startNodeKernelWorkers); else await disableSimdKernels();
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now(); const r = call(); const d = r.dataSync() as Float32Array; times[mode]!.push(performance.now() - t0);
      results[mode] = d.slice(); r.dispose();
    }
  }
  let err = 0; for (let i = 0; i < results.simd!.length; i++) err = Math.max(err, Math.abs(results.simd![i]! - results.xnn![i]!) / (1 + Math.abs(results.xnn![i]!)));
  console.log(`x [${n},${h},${w},${ci}] co ${co} ${pad} k${k}: simd ${median(times.simd!).toFixed(2)} ms, xnnpack ${median(times.xnn!).toFixed(2)} ms, max rel diff ${err.toExponential(1)}`);
  tf.dispose([x, dy]);
}
console.log('tensors', tf.memory().numTensors);
