// src/datasets/tensors.ts:118
import '@tensorflow/tfjs-backend-cpu';
import { loadFashionMnist, splitToTensors } from 'tfjs-fashion-mnist';

const { train } = await loadFashionMnist();
const { xs, ys } = splitToTensors(train, { subset: 1000 });
console.log(xs.shape, ys.shape); // [1000, 28, 28, 1] [1000, 10]
export {};
