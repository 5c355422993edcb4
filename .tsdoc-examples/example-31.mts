// src/training/sgd.ts:164
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { registerKerasSGD } from 'tfjs-fashion-mnist';

registerKerasSGD();
const model = await loadLayersModel('https://example.com/checkpoint/model.json');
export {};
