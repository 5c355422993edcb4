// src/datasets/tensors.ts:78
import { loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist';

const { test } = await loadFashionMnist();
const sample = subsetSplit(test, { count: 16, seed: 42 });
console.log(sample.count); // 16
export {};
