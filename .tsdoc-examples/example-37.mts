// src/viz/charts.ts:223
import { chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist';
import { writeFile } from 'node:fs/promises';

await writeFile('plot.png', await chartToPng(trainingHistorySpec({ loss: [0.5, 0.3] })));
export {};
