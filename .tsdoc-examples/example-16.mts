// src/metrics/confusion-matrix.ts:54
import { confusionMatrix } from 'tfjs-fashion-mnist';

console.log(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]));
// [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
export {};
