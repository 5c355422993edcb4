// src/node/model-io.ts:48
import '@tensorflow/tfjs-backend-cpu';
import { buildMiniVGGNet, loadModel, saveModel } from 'tfjs-fashion-mnist/node';

await saveModel(buildMiniVGGNet(), 'out/model');
const model = await loadModel('out/model');
export {};
