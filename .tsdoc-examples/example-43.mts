// src/wasm/training-kernels.ts:406
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { buildMiniVGGNet, registerWasmTrainingKernels } from 'tfjs-fashion-mnist';

registerWasmTrainingKernels();
await tf.setBackend('wasm');
const model = buildMiniVGGNet();
export {};
