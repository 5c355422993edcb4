import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '../errors.js';
import { assertTensor, invalid } from '../validate.js';

/**
 * Class labels in any of the forms a tfjs program has at hand: an array or typed array of class
 * indices, a 1-D tensor of indices, or a 2-D one-hot / probability tensor or nested array (rows
 * are reduced with argmax, so `model.predict` output works directly).
 */
export type ClassLabels = ArrayLike<number> | readonly (readonly number[])[] | tf.Tensor;

/**
 * The limits of the metrics functions: `digits` of {@link classificationReport}, and the classes of
 * {@link confusionMatrix}, whose matrix grows with the square of their number (4096 classes make a
 * 128 MiB matrix).
 */
export const METRICS_LIMITS = /* @__PURE__ */ Object.freeze({
  /** The most digits after the decimal point in a classification report (a double has about 17 significant digits). */
  maxDigits: 20,
  /** The most classes (rows and columns) of a confusion matrix. */
  maxConfusionMatrixClasses: 4096,
});

/** Reads labels into a plain array of non-negative integers; makes no tensors. */
export function toClassIndices(labels: ClassLabels, argument: string): number[] {
  const values = readValues(labels, argument);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isInteger(value) || value < 0) {
      throw invalid(`${argument}[${i}]`, value, 'a class index (a non-negative integer)');
    }
  }
  return values;
}

/** Throws unless `tensor` is a live tensor of numbers. */
export function assertNumericTensor(argument: string, tensor: tf.Tensor): void {
  assertTensor(argument, tensor, { dtypes: ['float32', 'int32', 'bool'] });
}

function readValues(labels: ClassLabels, argument: string): number[] {
  if (labels instanceof tf.Tensor) {
    assertNumericTensor(argument, labels);
    if (labels.rank === 1) return Array.from(labels.dataSync());
    if (labels.rank === 2) return argMaxRows(labels.dataSync(), labels.shape[0]!, labels.shape[1]!, argument);
    throw invalid(argument, labels, 'a 1-D tensor of class indices or a 2-D tensor of one-hot rows or probabilities');
  }
  if (Array.isArray(labels) && labels.length > 0 && Array.isArray(labels[0])) return argMaxNested(labels as readonly unknown[], argument);
  if (Array.isArray(labels) || (ArrayBuffer.isView(labels) && !(labels instanceof DataView))) return Array.from(labels as ArrayLike<number>);
  throw invalid(argument, labels, 'an array, typed array or tensor of class labels');
}

/**
 * The argmax of every row of a nested array (the first maximum on ties, as `tf.argMax`). Rows must
 * all be arrays of the same non-zero length holding numbers, none NaN: a NaN row has no maximum,
 * and a ragged or empty one means the input is not what the caller thinks it is.
 */
function argMaxNested(rows: readonly unknown[], argument: string): number[] {
  const classes = (rows[0] as unknown[]).length;
  return rows.map((row, i) => {
    if (!Array.isArray(row) || row.length !== classes || classes === 0) {
      throw invalid(`${argument}[${i}]`, row, `a row of ${classes === 0 ? 'at least one number' : `${classes} numbers, as long as ${argument}[0]`}`);
    }
    return argMaxRow(row, 0, classes, `${argument}[${i}]`);
  });
}

/** The argmax of every row of a row-major `[rows, classes]` tensor's values. */
function argMaxRows(values: ArrayLike<number>, rows: number, classes: number, argument: string): number[] {
  if (classes === 0 && rows > 0) throw invalid(argument, `a tensor of shape [${rows}, 0]`, 'a 2-D tensor with at least one column');
  return Array.from({ length: rows }, (_, i) => argMaxRow(values, i * classes, classes, `${argument}[${i}]`));
}

function argMaxRow(values: ArrayLike<unknown>, start: number, length: number, argument: string): number {
  let best = 0;
  for (let j = 0; j < length; j++) {
    const value = values[start + j];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw invalid(`${argument}[${j}]`, value, 'a number (a probability or score; NaN has no maximum)');
    }
    if (value > (values[start + best] as number)) best = j;
  }
  return best;
}

/** Checks that `yTrue` and `yPred` pair up, and reads both. */
export function readPair(yTrue: ClassLabels, yPred: ClassLabels): { yTrue: number[]; yPred: number[] } {
  const t = toClassIndices(yTrue, 'yTrue');
  const p = toClassIndices(yPred, 'yPred');
  if (t.length !== p.length) {
    throw invalid('yPred', `${p.length} samples`, `as long as yTrue (${t.length} samples; scikit-learn: "inconsistent numbers of samples")`);
  }
  if (t.length === 0) throw invalid('yTrue', describeValue([]), 'a non-empty list of labels');
  return { yTrue: t, yPred: p };
}

/** Sorted distinct labels of both arrays, like scikit-learn's `unique_labels`. */
export function uniqueLabels(...arrays: number[][]): number[] {
  return [...new Set(arrays.flat())].sort((a, b) => a - b);
}

/** Reads and checks an optional `labels` option: distinct non-negative integers, at least one. */
export function readLabelsOption(labels: readonly number[] | undefined): number[] | undefined {
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels) && !(ArrayBuffer.isView(labels) && !(labels instanceof DataView))) {
    throw invalid('options.labels', labels, 'an array of class indices');
  }
  const values = Array.from(labels as ArrayLike<number>);
  values.forEach((value, i) => {
    if (!Number.isInteger(value) || value < 0) throw invalid(`options.labels[${i}]`, value, 'a class index (a non-negative integer)');
  });
  if (values.length === 0) throw invalid('options.labels', labels, 'a non-empty list of class indices');
  if (new Set(values).size !== values.length) throw invalid('options.labels', labels, 'a list of distinct class indices');
  return values;
}

/** Reads and checks an optional `sampleWeight` option against the number of samples; makes no tensors. */
export function readSampleWeight(weights: ArrayLike<number> | tf.Tensor | undefined, samples: number): number[] | undefined {
  if (weights === undefined) return undefined;
  const argument = 'options.sampleWeight';
  if (weights instanceof tf.Tensor) {
    assertNumericTensor(argument, weights);
    if (weights.rank !== 1) throw invalid(argument, weights, 'a 1-D tensor of weights');
  } else if (!Array.isArray(weights) && !(ArrayBuffer.isView(weights) && !(weights instanceof DataView))) {
    throw invalid(argument, weights, 'an array, typed array or 1-D tensor of weights');
  }
  // The length is checked before anything is copied.
  const length = weights instanceof tf.Tensor ? weights.size : weights.length;
  if (length !== samples) throw invalid(argument, `${length} weights`, `one weight per sample (${samples})`);
  const values = Array.from(weights instanceof tf.Tensor ? weights.dataSync() : weights);
  values.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw invalid(`${argument}[${i}]`, w, 'a finite, non-negative number');
  });
  return values;
}
