// src/training/sgd.ts:55
import '@tensorflow/tfjs-backend-cpu';
import { buildMiniVGGNet, KerasSGD } from 'tfjs-fashion-mnist';

const model = buildMiniVGGNet();
model.compile({ optimizer: new KerasSGD({ learningRate: 0.01, momentum: 0.9, decay: 0.01 / 25 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
export {};
