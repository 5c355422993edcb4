// src/viz/charts.ts:68
import { chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist';

const spec = trainingHistorySpec({ loss: [0.6, 0.4], val_loss: [0.45, 0.35], acc: [0.8, 0.86], val_acc: [0.84, 0.88] });
const png = await chartToPng(spec);
export {};
