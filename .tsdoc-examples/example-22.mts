// src/node/model-io.ts:96
import '@tensorflow/tfjs-backend-cpu';
import { loadModel } from 'tfjs-fashion-mnist/node';

const model = await loadModel('out/model');
model.summary();
export {};
