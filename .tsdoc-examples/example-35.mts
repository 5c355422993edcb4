// src/viz/charts.ts:148
import { chartToSvg, confusionMatrix, confusionMatrixSpec } from 'tfjs-fashion-mnist';

const matrix = confusionMatrix([0, 1, 1, 0], [0, 1, 0, 0]);
const svg = await chartToSvg(confusionMatrixSpec(matrix, ['cat', 'dog']));
export {};
