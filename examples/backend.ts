// examples/backend.ts: the WebAssembly backend, ready to train.
import '@tensorflow/tfjs-backend-wasm';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

const { threads } = await useWasmBackend();   // or { threads: 1 }, { simdKernels: false }, { trainingKernels: false }
console.log(`wasm backend with this library's training kernels on ${threads} threads`);
