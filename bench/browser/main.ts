/// <reference types="vite/client" />
// The Chromium configuration of `npm run bench`: the same measurements as bench/backend.ts, on the
// wasm backend with this library's kernels and threads in a cross-origin isolated page. The result
// is published as JSON in #result (and window.benchResult) for bench/browser.ts to read.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import threadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { useWasmBackend } from '../../src/wasm/index.js';
import { activeSimdKernels, disableSimdKernels, enableSimdKernels } from '../../src/wasm/simd/lifecycle.js';
import { startBrowserKernelWorkers } from '../../src/wasm/simd/browser-workers.js';
import { inferThroughput, trainThroughput } from '../throughput.js';

async function main(): Promise<Record<string, unknown>> {
  const parameters = new URLSearchParams(location.search);
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  // ?simd=0 keeps every kernel on XNNPACK, to measure what the library's SIMD kernel gains.
  const { threads, simdKernelThreads } = await useWasmBackend({ threadedScript, simdKernels: parameters.get('simd') !== '0' });
  const filterGradientCheck = simdKernelThreads ? await compareFilterGradients(threads) : undefined;
  const steps = Number(parameters.get('steps') ?? 20);
  const train: Record<string, unknown> = {};
  for (const batch of (parameters.get('batches') ?? '32,128').split(',').map(Number)) {
    train[batch] = await trainThroughput(batch, batch > 32 ? 5 : steps, batch > 32 ? 1 : 3);
  }
  const infer = await inferThroughput(128, 5);
  const simd = simdKernelThreads ? `, SIMD kernels on ${simdKernelThreads}` : ', XNNPACK only';
  return { config: 'chromium-wasm-kernels', backend: tf.getBackend(), threads: `${threads} thread(s)${simd}`, browser: navigator.userAgent, filterGradientCheck, train, infer: { batch: 128, ...infer } };
}

/**
 * The filter gradients of MiniVGGNet's four convolutions at batch 32 with the SIMD kernel (on the
 * page's workers) and with XNNPACK: the largest difference relative to the largest value.
 */
async function compareFilterGradients(threads: number): Promise<number> {
  let worst = 0;
  for (const [h, ci, co] of [[28, 1, 32], [28, 32, 32], [14, 32, 64], [14, 64, 64]] as const) {
    const x = tf.randomUniform([32, h, h, ci], -1, 1);
    const dy = tf.randomUniform([32, h, h, co], -1, 1);
    const dw = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, ci, co] } as never) as tf.Tensor;
    const simd = dw();
    await disableSimdKernels();
    const xnnpack = dw();
    await enableSimdKernels(threads, startBrowserKernelWorkers);
    const [a, b] = [await simd.data(), await xnnpack.data()];
    const scale = Math.max(...Array.from(b, Math.abs));
    worst = Math.max(worst, ...Array.from(a, (v, i) => Math.abs(v - b[i]!) / scale));
    tf.dispose([x, dy, simd, xnnpack]);
  }
  if (activeSimdKernels()?.threads !== threads) throw new Error('The SIMD kernels did not restart on every thread.');
  return worst;
}

main().then(
  (result) => {
    (window as { benchResult?: unknown }).benchResult = result;
    document.querySelector('#result')!.textContent = JSON.stringify(result, null, 2);
  },
  (error: unknown) => {
    (window as { benchResult?: unknown }).benchResult = { error: String(error) };
  },
);
