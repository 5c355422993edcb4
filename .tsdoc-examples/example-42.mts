// src/wasm/node.ts:26
import '@tensorflow/tfjs-backend-wasm';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

const { threads } = await useWasmBackend();
console.log(`wasm backend on ${threads} threads`);
export {};
