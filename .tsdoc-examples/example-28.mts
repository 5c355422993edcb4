// src/training/evaluate.ts:34
import '@tensorflow/tfjs-backend-cpu';
import { buildMiniVGGNet, evaluateModel, loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist';

const { test } = await loadFashionMnist();
const { accuracy } = await evaluateModel(buildMiniVGGNet(), subsetSplit(test, 100));
export {};
