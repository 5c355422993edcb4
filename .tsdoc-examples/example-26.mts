// src/node/render.ts:56
import { chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist/node';

const png = await chartToPng(trainingHistorySpec({ loss: [0.5, 0.3] }));
export {};
