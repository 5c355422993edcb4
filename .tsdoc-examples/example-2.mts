// src/datasets/node.ts:99
import { loadFashionMnist } from 'tfjs-fashion-mnist/node';

const { train, test, labelNames } = await loadFashionMnist();
console.log(train.count, test.count, labelNames[train.labels[0]!]); // 60000 10000 ankle boot
export {};
