// src/architectures/minivggnet.ts:71
import '@tensorflow/tfjs-backend-cpu';
import { buildMiniVGGNet } from 'tfjs-fashion-mnist';

const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
model.summary(); // Total params: 1,679,082
export {};
