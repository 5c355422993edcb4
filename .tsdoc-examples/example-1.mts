// src/datasets/fashion-mnist.ts:101
import { loadFashionMnist } from 'tfjs-fashion-mnist';

const { train, test, labelNames } = await loadFashionMnist({ baseUrl: 'data/' });
console.log(train.count, test.count, labelNames[train.labels[0]!]); // 60000 10000 ankle boot
export {};
