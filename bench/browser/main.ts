/// <reference types="vite/client" />
// The Chromium configuration of `npm run bench`: the same measurements as bench/backend.ts, on the
// wasm backend with this library's kernels and threads in a cross-origin isolated page. The result
// is published as JSON in #result (and window.benchResult) for bench/browser.ts to read.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { useWasmBackend } from '../../src/wasm/index.js';
import { inferThroughput, trainThroughput } from '../throughput.js';

async function main(): Promise<Record<string, unknown>> {
  const parameters = new URLSearchParams(location.search);
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  const { threads } = await useWasmBackend();
  const steps = Number(parameters.get('steps') ?? 20);
  const train: Record<string, unknown> = {};
  for (const batch of (parameters.get('batches') ?? '32,128').split(',').map(Number)) {
    train[batch] = await trainThroughput(batch, batch > 32 ? 5 : steps, batch > 32 ? 1 : 3);
  }
  const infer = await inferThroughput(128, 5);
  return { config: 'chromium-wasm-kernels', backend: tf.getBackend(), threads: `${threads} thread(s)`, browser: navigator.userAgent, train, infer: { batch: 128, ...infer } };
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
