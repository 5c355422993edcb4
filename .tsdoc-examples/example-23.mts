// src/node/model-io.ts:166
import '@tensorflow/tfjs-backend-wasm';
import { buildMiniVGGNet, checkpointCallback, loadFashionMnist, trainFashionMnist, useWasmBackend } from 'tfjs-fashion-mnist/node';

await useWasmBackend();
const model = buildMiniVGGNet();
await trainFashionMnist(model, await loadFashionMnist(), { callbacks: [checkpointCallback(model, 'out/checkpoint')] });
export {};
