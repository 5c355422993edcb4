// src/node/model-io.ts:194
import '@tensorflow/tfjs-backend-wasm';
import { loadCheckpoint, loadFashionMnist, trainFashionMnist, useWasmBackend } from 'tfjs-fashion-mnist/node';

await useWasmBackend();
const { model, initialEpoch, history } = await loadCheckpoint('out/checkpoint');
await trainFashionMnist(model, await loadFashionMnist(), { initialEpoch, history });
export {};
