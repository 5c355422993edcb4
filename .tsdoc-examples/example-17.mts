// src/metrics/confusion-matrix.ts:101
import { accuracy } from 'tfjs-fashion-mnist';

console.log(accuracy([0, 1, 2, 3], [0, 2, 1, 3])); // 0.5
export {};
