// src/node/render.ts:76
import { saveChart, trainingHistorySpec } from 'tfjs-fashion-mnist/node';

await saveChart(trainingHistorySpec({ loss: [0.5, 0.3] }), 'plot.png');
export {};
