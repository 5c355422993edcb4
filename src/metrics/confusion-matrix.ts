import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { assertBoolean, assertOneOf, invalid, type OptionNames, resolveOptions } from '../validate.js';
import { METRICS_LIMITS, readLabelsOption, readPair, readSampleWeight, uniqueLabels, type ClassLabels } from './inputs.js';
import { pairwiseSum } from './numeric.js';

/** Options of {@link confusionMatrix}. Every field is optional. */
export interface ConfusionMatrixOptions {
  /**
   * The classes for the rows and columns, in this order. Samples of other classes are left out.
   * @defaultValue every class in `yTrue` or `yPred`, sorted
   */
  labels?: readonly number[];
  /**
   * Divide counts by row totals (`'true'`: each row is the recall distribution), column totals
   * (`'pred'`) or the grand total (`'all'`). Rows or columns without samples become 0.
   * @defaultValue undefined: raw counts
   */
  normalize?: 'true' | 'pred' | 'all';
  /**
   * A non-negative weight per sample.
   * @defaultValue undefined: every sample counts once
   */
  sampleWeight?: ArrayLike<number> | tf.Tensor;
}

/** Options of {@link accuracy}. Every field is optional. */
export interface AccuracyOptions {
  /**
   * A non-negative weight per sample.
   * @defaultValue undefined: every sample counts once
   */
  sampleWeight?: ArrayLike<number> | tf.Tensor;
  /**
   * `true` returns the fraction correct; `false` the (weighted) number correct.
   * @defaultValue true
   */
  normalize?: boolean;
}

const CONFUSION_MATRIX_OPTIONS: OptionNames<ConfusionMatrixOptions> = { labels: true, normalize: true, sampleWeight: true };
const ACCURACY_OPTIONS: OptionNames<AccuracyOptions> = { sampleWeight: true, normalize: true };

/**
 * The confusion matrix, as scikit-learn's `confusion_matrix`: `matrix[i][j]` counts samples of true
 * class `labels[i]` predicted as `labels[j]`. Plain nested arrays, ready for the viz module's heatmap.
 *
 * @param yTrue - The true classes (indices, typed array, or tensor; 2-D tensors are argmax-ed).
 * @param yPred - The predicted classes or probabilities.
 * @param options - Labels, normalisation and weights; see {@link ConfusionMatrixOptions}.
 * @returns A square matrix of counts (or fractions), one row and column per label.
 * @throws {@link InvalidArgumentError} when inputs differ in length or are not class indices, when
 *   a row of 2-D probabilities is empty, ragged or holds NaN, when none of `options.labels` occurs in
 *   `yTrue`, or when there are more than 4096 classes (checked before the matrix, which grows with
 *   the square of their number, is allocated).
 *
 * @example
 * ```ts
 * import { confusionMatrix } from 'tfjs-fashion-mnist';
 *
 * console.log(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]));
 * // [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
 * ```
 */
export function confusionMatrix(yTrue: ClassLabels, yPred: ClassLabels, options: ConfusionMatrixOptions = {}): number[][] {
  const pair = readPair(yTrue, yPred);
  options = resolveOptions('options', options, {}, CONFUSION_MATRIX_OPTIONS);
  if (options.normalize !== undefined) assertOneOf('options.normalize', options.normalize, ['true', 'pred', 'all'] as const);
  const weights = readSampleWeight(options.sampleWeight, pair.yTrue.length);
  const labels = readLabelsOption(options.labels) ?? uniqueLabels(pair.yTrue, pair.yPred);
  if (labels.length > METRICS_LIMITS.maxConfusionMatrixClasses) {
    const most = METRICS_LIMITS.maxConfusionMatrixClasses;
    if (options.labels !== undefined) throw invalid('options.labels', `${labels.length} classes`, `a list of at most ${most} classes`);
    throw invalid('yTrue', `${labels.length} classes`, `labels of at most ${most} distinct classes (counting yTrue and yPred together)`);
  }
  if (options.labels !== undefined && !pair.yTrue.some((t) => labels.includes(t))) {
    throw invalid('options.labels', options.labels, 'a list with at least one class that occurs in yTrue (scikit-learn: "At least one label specified must be in y_true")');
  }
  const index = new Map(labels.map((label, i) => [label, i]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  pair.yTrue.forEach((t, i) => {
    const row = index.get(t);
    const column = index.get(pair.yPred[i]!);
    if (row !== undefined && column !== undefined) matrix[row]![column]! += weights ? weights[i]! : 1;
  });
  return normalizeMatrix(matrix, options.normalize);
}

function normalizeMatrix(matrix: number[][], normalize: ConfusionMatrixOptions['normalize']): number[][] {
  if (normalize === undefined) return matrix;
  const safe = (value: number): number => (Number.isFinite(value) ? value : 0);
  if (normalize === 'all') {
    const total = pairwiseSum(matrix.flat());
    return matrix.map((row) => row.map((v) => safe(v / total)));
  }
  if (normalize === 'true') return matrix.map((row) => row.map((v) => safe(v / pairwiseSum(row))));
  const columnTotals = matrix[0]!.map((_, j) => pairwiseSum(matrix.map((row) => row[j]!)));
  return matrix.map((row) => row.map((v, j) => safe(v / columnTotals[j]!)));
}

/**
 * The fraction (or number) of correct predictions, as scikit-learn's `accuracy_score`.
 *
 * @param yTrue - The true classes (indices, typed array, or tensor; 2-D tensors are argmax-ed).
 * @param yPred - The predicted classes or probabilities.
 * @param options - Weights and normalisation; see {@link AccuracyOptions}.
 * @returns The accuracy in [0, 1], or the count correct with `normalize: false`.
 * @throws {@link InvalidArgumentError} when inputs differ in length, are empty or not class indices,
 *   or a row of 2-D probabilities is empty, ragged or holds NaN.
 *
 * @example
 * ```ts
 * import { accuracy } from 'tfjs-fashion-mnist';
 *
 * console.log(accuracy([0, 1, 2, 3], [0, 2, 1, 3])); // 0.5
 * ```
 */
export function accuracy(yTrue: ClassLabels, yPred: ClassLabels, options: AccuracyOptions = {}): number {
  const pair = readPair(yTrue, yPred);
  options = resolveOptions('options', options, {}, ACCURACY_OPTIONS);
  if (options.normalize !== undefined) assertBoolean('options.normalize', options.normalize);
  const weights = readSampleWeight(options.sampleWeight, pair.yTrue.length);
  const correct = pair.yTrue.map((t, i) => (t === pair.yPred[i] ? 1 : 0));
  if (options.normalize === false) return weights ? pairwiseSum(correct.map((c, i) => c * weights[i]!)) : pairwiseSum(correct);
  return weights ? pairwiseSum(correct.map((c, i) => c * weights[i]!)) / pairwiseSum(weights) : pairwiseSum(correct) / correct.length;
}
