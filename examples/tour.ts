// examples/tour.ts: the tutorial as a script, `npx tsx examples/tour.ts`. CI runs it with
// EPOCHS=1 LIMIT=2000 (one epoch on 2,000 training and 2,000 test images).
import '@tensorflow/tfjs-backend-wasm';
import {
  buildMiniVGGNet, buildMontage, checkpointCallback, classificationReport, evaluateModel,
  loadFashionMnist, progressBar, saveChart, saveModel, savePng, subsetSplit, trainFashionMnist,
  trainingHistorySpec,
} from 'tfjs-fashion-mnist/node';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

const epochs = Number(process.env.EPOCHS ?? 25);       // the tutorial's 25
const limit = Number(process.env.LIMIT ?? 60_000);     // images per split: all of them

await useWasmBackend();                                // wasm + training kernels, every core
const data = await loadFashionMnist();                 // { train, test, labelNames }, verified
const train = subsetSplit(data.train, Math.min(limit, data.train.count));
const test = subsetSplit(data.test, Math.min(limit, data.test.count));
const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });

const result = await trainFashionMnist(model, { train, test }, {
  epochs, batchSize: 32,                               // SGD(0.01, momentum 0.9, decay 0.01/epochs)
  callbacks: [progressBar(), checkpointCallback(model, 'out/checkpoint')],
});

const { predictions } = await evaluateModel(model, test);
console.log(classificationReport(test.labels, predictions, { targetNames: [...data.labelNames] }));

await saveChart(trainingHistorySpec(result), 'out/plot.png');
const [montage] = await buildMontage(subsetSplit(test, 16), [96, 96], [4, 4], {
  captions: Array.from(predictions.subarray(0, 16), (p) => data.labelNames[p]!),
});
await savePng(montage!, 'out/montage.png');
await saveModel(model, 'out/model');
