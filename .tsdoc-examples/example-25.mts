// src/node/render.ts:26
import { buildMontage, loadFashionMnist, savePng, subsetSplit } from 'tfjs-fashion-mnist/node';

const { test, labelNames } = await loadFashionMnist();
const sample = subsetSplit(test, 16);
const captions = Array.from(sample.labels, (label) => labelNames[label]!);
const [montage] = await buildMontage(sample, [96, 96], [4, 4], { captions });
await savePng(montage!, 'montage.png');
export {};
