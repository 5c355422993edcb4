// Probe (not shipped): a single-threaded wasm SIMD filter gradient (dw.c, built with Debian's clang-14:
// see build.sh) against the library's kernel (XNNPACK through a forward convolution), same process,
// same inputs, MiniVGGNet's shapes at batch 32: `npx tsx bench/dw-probe/probe.ts [threads]` (threads: the
// library kernel's; the probe always runs on one).
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { useWasmBackend } from '../../src/wasm/node.js';

const threads = Number(process.argv[2] ?? 1);
await useWasmBackend({ threads });
const memory = new WebAssembly.Memory({ initial: 256, maximum: 4096 });
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./dw.wasm', import.meta.url)), { env: { memory } });
const dw3x3 = instance.exports.dw3x3 as (xp: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, co: number) => void;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

for (const [n, h, w, ci, co] of [[32, 28, 28, 1, 32], [32, 28, 28, 32, 32], [32, 14, 14, 32, 64], [32, 14, 14, 64, 64]] as const) {
  const x = tf.randomUniform([n, h, w, ci], -1, 1) as tf.Tensor4D;
  const dy = tf.randomUniform([n, h, w, co], -1, 1) as tf.Tensor4D;
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const [xpData, dyData] = [await xp.data(), await dy.data()] as Float32Array[];
  const base = 1 << 20;
  const offsets = { xp: base, dy: base + xpData!.byteLength, dw: base + xpData!.byteLength + dyData!.byteLength };
  const needed = offsets.dw + 9 * ci * co * 4;
  if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  new Float32Array(memory.buffer, offsets.xp, xpData!.length).set(xpData!);
  new Float32Array(memory.buffer, offsets.dy, dyData!.length).set(dyData!);
  const run = { probe: [] as number[], library: [] as number[] };
  let reference: Float32Array | undefined;
  for (let i = 0; i < 13; i++) {
    let t0 = performance.now();
    dw3x3(offsets.xp, offsets.dy, offsets.dw, n, h, w, ci, co);
    const probeMs = performance.now() - t0;
    t0 = performance.now();
    const result = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, ci, co] } as never) as tf.Tensor;
    reference = (await result.data()) as Float32Array;
    const libraryMs = performance.now() - t0;
    result.dispose();
    if (i >= 3) (run.probe.push(probeMs), run.library.push(libraryMs));
  }
  const probe = new Float32Array(memory.buffer, offsets.dw, 9 * ci * co);
  let maxError = 0;
  for (let i = 0; i < probe.length; i++) maxError = Math.max(maxError, Math.abs(probe[i]! - reference![i]!) / (1 + Math.abs(reference![i]!)));
  const macs = n * h * w * 9 * ci * co;
  console.log(`x [${n},${h},${w},${ci}] dy [..,${co}]: probe (1 thread) ${median(run.probe).toFixed(2)} ms (${(macs / median(run.probe) / 1e6).toFixed(1)} GMAC/s), library kernel (${threads} thread${threads > 1 ? 's' : ''}) ${median(run.library).toFixed(2)} ms; max relative difference ${maxError.toExponential(1)}`);
  tf.dispose([x, dy, xp]);
}
