// src/viz/charts.ts:198
import { chartToSvg, trainingHistorySpec } from 'tfjs-fashion-mnist';

const svg = await chartToSvg(trainingHistorySpec({ loss: [0.5, 0.3] }));
export {};
