// What train and evaluate write about a model: the report, the confusion matrix and a captioned
// montage of test images.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  buildMontage,
  classificationReport,
  confusionMatrix,
  confusionMatrixSpec,
  evaluateModel,
  saveChart,
  savePng,
  subsetSplit,
  type FashionMnist,
} from '../node.js';
import { say } from './output.js';

/** The report, confusion matrix and captioned montage of a model on the test split. */
export async function writeEvaluation(model: LayersModel, data: FashionMnist, out: string, seed: number, testTimeFlip: boolean): Promise<void> {
  say(`[INFO] evaluating network${testTimeFlip ? ' with flip test-time augmentation' : ''}...`);
  const evaluation = await evaluateModel(model, data.test, { testTimeFlip });
  const names = [...data.labelNames];
  const labels = Array.from({ length: 10 }, (_, i) => i);
  const report = classificationReport(data.test.labels, evaluation.predictions, { labels, targetNames: names, zeroDivision: 0 });
  say(report);
  await writeFile(join(out, 'report.txt'), report);
  await saveChart(confusionMatrixSpec(confusionMatrix(data.test.labels, evaluation.predictions, { labels }), names), join(out, 'confusion.png'));

  const sample = Math.min(16, data.test.count);
  const picked = subsetSplit(data.test, { count: sample, seed });
  const pickedPredictions = (await evaluateModel(model, picked, { testTimeFlip })).predictions;
  const captions = Array.from(pickedPredictions, (p) => names[p]!);
  const colors = Array.from(pickedPredictions, (p, i) => (p === picked.labels[i] ? '#00ff00' : '#ff0000'));
  const [montage] = await buildMontage(picked, [96, 96], [4, 4], { captions, captionColors: colors });
  await savePng(montage!, join(out, 'montage.png'));
  say(`[INFO] test accuracy ${(evaluation.accuracy * 100).toFixed(2)}%; wrote report.txt, confusion.png and montage.png to ${out}`);
}
