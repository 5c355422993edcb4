// src/training/progress.ts:76
import { progressBar, trainFashionMnist } from 'tfjs-fashion-mnist';

await trainFashionMnist(model, data, { callbacks: [progressBar()] });
export {};
