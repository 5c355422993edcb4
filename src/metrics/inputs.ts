import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * Class labels in any of the forms a tfjs program has at hand: an array or typed array of class
 * indices, a 1-D tensor of indices, or a 2-D one-hot / probability tensor or nested array (rows
 * are reduced with argmax, so `model.predict` output works directly).
 */
export type ClassLabels = ArrayLike<number> | readonly (readonly number[])[] | tf.Tensor;

/** Reads labels into a plain array of non-negative integers, disposing of any tensor it makes. */
export function toClassIndices(labels: ClassLabels, argument: string): number[] {
  const values = readValues(labels, argument);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidArgumentError(`${argument}[${i}]`, 'a class index (a non-negative integer)', value);
    }
  }
  return values;
}

function readValues(labels: ClassLabels, argument: string): number[] {
  if (labels instanceof tf.Tensor) {
    if (labels.isDisposed) throw new InvalidArgumentError(argument, 'a tensor that has not been disposed', labels);
    if (labels.rank === 1) return Array.from(labels.dataSync());
    if (labels.rank === 2) return Array.from(tf.tidy(() => tf.argMax(labels, 1).dataSync()));
    throw new InvalidArgumentError(argument, 'a 1-D tensor of class indices or a 2-D tensor of one-hot rows or probabilities', labels);
  }
  if (Array.isArray(labels) && labels.length > 0 && Array.isArray(labels[0])) {
    return (labels as readonly (readonly number[])[]).map((row) => argMax(row));
  }
  if (Array.isArray(labels) || ArrayBuffer.isView(labels)) return Array.from(labels as ArrayLike<number>);
  throw new InvalidArgumentError(argument, 'an array, typed array or tensor of class labels', labels);
}

function argMax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Checks that `yTrue` and `yPred` pair up, and reads both. */
export function readPair(yTrue: ClassLabels, yPred: ClassLabels): { yTrue: number[]; yPred: number[] } {
  const t = toClassIndices(yTrue, 'yTrue');
  const p = toClassIndices(yPred, 'yPred');
  if (t.length !== p.length) {
    throw new InvalidArgumentError('yPred', `as long as yTrue (${t.length} samples; scikit-learn: "inconsistent numbers of samples")`, `${p.length} samples`);
  }
  if (t.length === 0) throw new InvalidArgumentError('yTrue', 'a non-empty list of labels', describeValue([]));
  return { yTrue: t, yPred: p };
}

/** Sorted distinct labels of both arrays, like scikit-learn's `unique_labels`. */
export function uniqueLabels(...arrays: number[][]): number[] {
  return [...new Set(arrays.flat())].sort((a, b) => a - b);
}

/** Reads and checks an optional `labels` option: distinct non-negative integers, at least one. */
export function readLabelsOption(labels: readonly number[] | undefined): number[] | undefined {
  if (labels === undefined) return undefined;
  const values = toClassIndices(labels as number[], 'options.labels');
  if (values.length === 0) throw new InvalidArgumentError('options.labels', 'a non-empty list of class indices', labels);
  if (new Set(values).size !== values.length) throw new InvalidArgumentError('options.labels', 'a list of distinct class indices', labels);
  return values;
}

/** Reads and checks an optional `sampleWeight` option against the number of samples. */
export function readSampleWeight(weights: ArrayLike<number> | tf.Tensor | undefined, samples: number): number[] | undefined {
  if (weights === undefined) return undefined;
  const values = weights instanceof tf.Tensor ? Array.from(weights.dataSync()) : Array.from(weights);
  if (values.length !== samples) throw new InvalidArgumentError('options.sampleWeight', `one weight per sample (${samples})`, `${values.length} weights`);
  values.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) throw new InvalidArgumentError(`options.sampleWeight[${i}]`, 'a finite, non-negative number', w);
  });
  return values;
}
