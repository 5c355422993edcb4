// examples/browser-setup.ts: a Vite app's wasm backend and the pretrained model (src/setup.ts).
/// <reference types="vite/client" />
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import threadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import modelUrl from 'tfjs-fashion-mnist/pretrained/model.json?url';
import weightsUrl from 'tfjs-fashion-mnist/pretrained/weights.bin?url';
import { loadPretrainedModel } from 'tfjs-fashion-mnist';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasm, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });

// Every core where the page is cross-origin isolated (examples/vite-config.ts), else one thread;
// threadedScript keeps the threads working in Vite's minified build.
export const backend = await useWasmBackend({ threadedScript });
if (backend.fallback) console.info(backend.fallback.message);

export const model = await loadPretrainedModel({ modelUrl, weightsUrl });
