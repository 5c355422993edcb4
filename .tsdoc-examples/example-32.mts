// src/training/train.ts:146
import '@tensorflow/tfjs-backend-wasm';
import { buildMiniVGGNet, loadFashionMnist, progressBar, trainFashionMnist, useWasmBackend } from 'tfjs-fashion-mnist';

await useWasmBackend();
const data = await loadFashionMnist();
const result = await trainFashionMnist(buildMiniVGGNet(), data, { epochs: 3, callbacks: [progressBar()] });
console.log(result.history.val_accuracy);
export {};
