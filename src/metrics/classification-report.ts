import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { METRICS_LIMITS, readLabelsOption, readPair, readSampleWeight, uniqueLabels, type ClassLabels } from './inputs.js';
import { formatFixed, npAverage, pairwiseSum, pythonFloatRepr } from './numeric.js';
import { assertInteger, invalid, type OptionNames, resolveOptions } from '../validate.js';

/**
 * What a score is when its denominator is zero (a class never predicted, or never present):
 * `'warn'` acts as 0 and warns, like scikit-learn; `NaN` excludes the class from the averages
 * (scikit-learn 1.3 and later).
 */
export type ZeroDivision = 'warn' | 0 | 1 | typeof NaN;

/** Options of {@link classificationReport}. Every field is optional. */
export interface ClassificationReportOptions {
  /**
   * The classes to report, in this order. Classes absent from the data get zero-support rows; when
   * this is a strict subset of the classes present, the report shows "micro avg" instead of "accuracy".
   * @defaultValue every class that occurs in `yTrue` or `yPred`, sorted
   */
  labels?: readonly number[];
  /**
   * Display names for the classes, in the order of `labels`.
   * @defaultValue the class indices as text
   */
  targetNames?: readonly string[];
  /**
   * A non-negative weight per sample; supports become weighted sums.
   * @defaultValue undefined: every sample counts once
   */
  sampleWeight?: ArrayLike<number> | tf.Tensor;
  /**
   * Digits after the decimal point in the text report: an integer from 0 to 20 (a double has about
   * 17 significant digits).
   * @defaultValue 2
   */
  digits?: number;
  /**
   * The value of an undefined precision, recall or F1 score; see {@link ZeroDivision}.
   * @defaultValue 'warn'
   */
  zeroDivision?: ZeroDivision;
  /**
   * Return the dictionary form instead of text.
   * @defaultValue false
   */
  outputDict?: boolean;
}

/** Scores of one class or one average, keyed as scikit-learn names them. */
export interface ClassScores {
  /** True positives over predicted positives. */
  precision: number;
  /** True positives over actual positives. */
  recall: number;
  /** Harmonic mean of precision and recall. */
  'f1-score': number;
  /** Number of true samples of the class (a weighted sum with `sampleWeight`). */
  support: number;
}

/**
 * The dictionary form of the report, as scikit-learn's `output_dict=True`: one {@link ClassScores}
 * per class name, then `'accuracy'` (a number) or `'micro avg'`, `'macro avg'` and `'weighted avg'`.
 */
export type ClassificationReportDict = Record<string, ClassScores | number>;

/** The defaults of {@link ClassificationReportOptions}. */
export const CLASSIFICATION_REPORT_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Two digits after the decimal point. */
  digits: 2,
  /** Undefined scores are 0, with a warning. */
  zeroDivision: 'warn' as ZeroDivision,
  /** Text, not the dictionary. */
  outputDict: false,
});

const REPORT_OPTIONS: OptionNames<ClassificationReportOptions> = { labels: true, targetNames: true, sampleWeight: true, digits: true, zeroDivision: true, outputDict: true };

interface Scores {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
}

/**
 * scikit-learn's `classification_report`, character for character: precision, recall, F1 and
 * support per class, then accuracy, macro and weighted averages, laid out and rounded exactly as
 * Python prints them. Pass `outputDict: true` for the same numbers as a plain object.
 *
 * Labels can be arrays or typed arrays of class indices, 1-D tensors, or 2-D one-hot or probability
 * tensors (reduced with argmax), so `model.predict` output can be passed directly. Tensors passed in
 * stay the caller's; any made here are disposed of.
 *
 * @param yTrue - The true classes.
 * @param yPred - The predicted classes, or predicted probabilities.
 * @param options - Labels, names, weights, digits and zero-division handling; see {@link ClassificationReportOptions}.
 * @returns The text report, or with `outputDict: true` a {@link ClassificationReportDict}.
 * @throws {@link InvalidArgumentError} when the inputs differ in length, are empty or not class
 *   indices, when a row of 2-D probabilities is empty, ragged or holds NaN (named with its index),
 *   when `targetNames` does not give one name per class, or `digits` is not an integer from 0 to 20.
 *
 * @example
 * ```ts
 * import { classificationReport } from 'tfjs-fashion-mnist';
 *
 * console.log(classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['class 0', 'class 1', 'class 2'] }));
 * //               precision    recall  f1-score   support
 * //
 * //      class 0       0.50      1.00      0.67         1
 * //      class 1       0.00      0.00      0.00         1
 * //      class 2       1.00      0.67      0.80         3
 * //
 * //     accuracy                           0.60         5
 * //    macro avg       0.50      0.56      0.49         5
 * // weighted avg       0.70      0.60      0.61         5
 * ```
 */
export function classificationReport(yTrue: ClassLabels, yPred: ClassLabels, options: ClassificationReportOptions & { outputDict: true }): ClassificationReportDict;
export function classificationReport(yTrue: ClassLabels, yPred: ClassLabels, options?: ClassificationReportOptions & { outputDict?: false }): string;
export function classificationReport(yTrue: ClassLabels, yPred: ClassLabels, options?: ClassificationReportOptions): string | ClassificationReportDict;
export function classificationReport(yTrue: ClassLabels, yPred: ClassLabels, options: ClassificationReportOptions = {}): string | ClassificationReportDict {
  const pair = readPair(yTrue, yPred);
  const { digits, zeroDivision, outputDict, ...rest } = resolveOptions('options', options, CLASSIFICATION_REPORT_DEFAULTS, REPORT_OPTIONS);
  assertInteger('options.digits', digits, { min: 0, max: METRICS_LIMITS.maxDigits });
  if (!(zeroDivision === 'warn' || zeroDivision === 0 || zeroDivision === 1 || Number.isNaN(zeroDivision))) {
    throw invalid('options.zeroDivision', zeroDivision, 'one of "warn", 0, 1 or NaN');
  }
  const weights = readSampleWeight(rest.sampleWeight, pair.yTrue.length);
  const givenLabels = readLabelsOption(rest.labels);
  const present = uniqueLabels(pair.yTrue, pair.yPred);
  const labels = givenLabels ?? present;
  const names = targetNames(rest.targetNames, labels, givenLabels !== undefined);

  const counts = countPerLabel(pair.yTrue, pair.yPred, labels, present, weights);
  const warnings = new Set<string>();
  const perClass = scoresFor(counts, zeroDivision, warnings);
  const totalSupport = pairwiseSum(perClass.support);
  const microIsAccuracy = givenLabels === undefined || sameSet(givenLabels, present);
  const averages = {
    [microIsAccuracy ? 'accuracy' : 'micro avg']: microAverage(counts, zeroDivision, warnings),
    'macro avg': macroAverage(perClass, zeroDivision),
    'weighted avg': weightedAverage(perClass, counts, zeroDivision),
  };
  for (const warning of warnings) console.warn(`UndefinedMetricWarning: ${warning}`);

  if (outputDict) {
    const report: ClassificationReportDict = {};
    names.forEach((name, i) => {
      report[name] = { precision: perClass.precision[i]!, recall: perClass.recall[i]!, 'f1-score': perClass.f1[i]!, support: perClass.support[i]! };
    });
    for (const [heading, [p, r, f]] of Object.entries(averages)) {
      report[heading] = heading === 'accuracy' ? p : { precision: p, recall: r, 'f1-score': f, support: totalSupport };
    }
    return report;
  }
  // scikit-learn's supports are floats (printed "3.0") with weights, and also when no prediction is
  // right at all: its bincount of true positives is then replaced by float zeros.
  const floatSupport = weights !== undefined || pair.yTrue.every((t, i) => t !== pair.yPred[i]);
  const formatSupport = (value: number): string => (floatSupport ? pythonFloatRepr(value) : String(value));
  return formatReport(names, perClass, averages, formatSupport(totalSupport), digits, formatSupport);
}

function targetNames(names: readonly string[] | undefined, labels: number[], labelsGiven: boolean): string[] {
  if (names === undefined) return labels.map(String);
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw invalid('options.targetNames', names, 'an array of strings');
  }
  if (names.length !== labels.length) {
    const expected = labelsGiven
      ? `one name per entry of options.labels (${labels.length})`
      : `one name per class found in yTrue and yPred (${labels.length}: ${labels.join(', ')}); pass options.labels to report classes that do not occur`;
    throw invalid('options.targetNames', `${names.length} names`, expected);
  }
  return [...names];
}

function sameSet(a: number[], b: number[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

interface Counts {
  tp: number[];
  pred: number[];
  true: number[];
}

/**
 * Per-label true positives, predicted and true totals, with scikit-learn's arithmetic: bincounts
 * over every label, summed in sample order, then `pred = tp + (pred - tp)` as its multilabel
 * confusion matrix does (which matters in the last bit with float weights).
 */
function countPerLabel(yTrue: number[], yPred: number[], labels: number[], present: number[], weights: number[] | undefined): Counts {
  const all = [...new Set([...labels, ...present])].sort((a, b) => a - b);
  const index = new Map(all.map((label, i) => [label, i]));
  const zeros = (): number[] => new Array<number>(all.length).fill(0);
  const tp = zeros();
  const pred = zeros();
  const tru = zeros();
  for (let i = 0; i < yTrue.length; i++) {
    const w = weights ? weights[i]! : 1;
    const t = index.get(yTrue[i]!)!;
    const p = index.get(yPred[i]!)!;
    if (t === p) tp[t]! += w;
    pred[p]! += w;
    tru[t]! += w;
  }
  const pick = labels.map((label) => index.get(label)!);
  return {
    tp: pick.map((i) => tp[i]!),
    pred: pick.map((i) => tp[i]! + (pred[i]! - tp[i]!)),
    true: pick.map((i) => tp[i]! + (tru[i]! - tp[i]!)),
  };
}

const WARNINGS = {
  precision: 'Precision and F-score are ill-defined and being set to 0.0 in labels with no predicted samples. Use `zeroDivision` to control this behavior.',
  recall: 'Recall and F-score are ill-defined and being set to 0.0 in labels with no true samples. Use `zeroDivision` to control this behavior.',
};

function divide(numerator: number, denominator: number, zeroDivision: ZeroDivision, warning: string, warnings: Set<string>): number {
  if (denominator !== 0) return numerator / denominator;
  if (zeroDivision === 'warn') warnings.add(warning);
  return zeroDivision === 'warn' ? 0 : zeroDivision;
}

function fScore(precision: number, recall: number, tp: number, pred: number, tru: number, zeroDivision: ZeroDivision): number {
  // With NaN, scikit-learn >= 1.3 computes F1 from counts: 2tp / (2tp + fp + fn).
  if (Number.isNaN(zeroDivision)) return tru + pred === 0 ? NaN : (2 * tp) / (tru + pred);
  const denominator = precision + recall;
  return (2 * precision * recall) / (denominator === 0 ? 1 : denominator);
}

function scoresFor(counts: Counts, zeroDivision: ZeroDivision, warnings: Set<string>): Scores {
  const precision = counts.tp.map((tp, i) => divide(tp, counts.pred[i]!, zeroDivision, WARNINGS.precision, warnings));
  const recall = counts.tp.map((tp, i) => divide(tp, counts.true[i]!, zeroDivision, WARNINGS.recall, warnings));
  const f1 = counts.tp.map((tp, i) => fScore(precision[i]!, recall[i]!, tp, counts.pred[i]!, counts.true[i]!, zeroDivision));
  return { precision, recall, f1, support: counts.true };
}

type Triple = [number, number, number];

function microAverage(counts: Counts, zeroDivision: ZeroDivision, warnings: Set<string>): Triple {
  const tp = pairwiseSum(counts.tp);
  const pred = pairwiseSum(counts.pred);
  const tru = pairwiseSum(counts.true);
  const precision = divide(tp, pred, zeroDivision, WARNINGS.precision, warnings);
  const recall = divide(tp, tru, zeroDivision, WARNINGS.recall, warnings);
  return [precision, recall, fScore(precision, recall, tp, pred, tru, zeroDivision)];
}

/** `np.average`, or for NaN zero division scikit-learn's `_nanaverage`, which skips NaN entries. */
function average(values: number[], weights: number[] | undefined, zeroDivision: ZeroDivision): number {
  if (!Number.isNaN(zeroDivision)) return npAverage(values, weights);
  const keep = values.map((v) => !Number.isNaN(v));
  const kept = values.filter((_, i) => keep[i]);
  if (kept.length === 0) return NaN;
  const keptWeights = weights?.filter((_, i) => keep[i]);
  return keptWeights && pairwiseSum(keptWeights) !== 0 ? npAverage(kept, keptWeights) : npAverage(kept);
}

function macroAverage(scores: Scores, zeroDivision: ZeroDivision): Triple {
  return [average(scores.precision, undefined, zeroDivision), average(scores.recall, undefined, zeroDivision), average(scores.f1, undefined, zeroDivision)];
}

function weightedAverage(scores: Scores, counts: Counts, zeroDivision: ZeroDivision): Triple {
  const weights = counts.true;
  if (pairwiseSum(weights) === 0) {
    const value = zeroDivision === 'warn' ? 0 : zeroDivision;
    return pairwiseSum(counts.pred) === 0 ? [value, value, value] : [0, value, 0];
  }
  return [average(scores.precision, weights, zeroDivision), average(scores.recall, weights, zeroDivision), average(scores.f1, weights, zeroDivision)];
}

/** Pads on the left to `width` characters, counting code points as Python does. */
function padLeft(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - [...text].length)) + text;
}

function formatReport(
  names: string[],
  scores: Scores,
  averages: Record<string, Triple>,
  totalSupport: string,
  digits: number,
  formatSupport: (value: number) => string,
): string {
  // A loop, not Math.max(...names): spreading many thousands of names overflows the call stack.
  let width = Math.max('weighted avg'.length, digits);
  for (const name of names) width = Math.max(width, [...name].length);
  const cell = (text: string): string => ` ${padLeft(text, 9)}`;
  const row = (name: string, values: number[], support: string): string =>
    `${padLeft(name, width)} ${values.map((v) => cell(formatFixed(v, digits))).join('')}${cell(support)}\n`;

  let report = `${padLeft('', width)} ${['precision', 'recall', 'f1-score', 'support'].map(cell).join('')}\n\n`;
  names.forEach((name, i) => {
    report += row(name, [scores.precision[i]!, scores.recall[i]!, scores.f1[i]!], formatSupport(scores.support[i]!));
  });
  report += '\n';
  for (const [heading, values] of Object.entries(averages)) {
    report +=
      heading === 'accuracy'
        ? `${padLeft(heading, width)} ${cell('')}${cell('')}${cell(formatFixed(values[2], digits))}${cell(totalSupport)}\n`
        : row(heading, values, totalSupport);
  }
  return report;
}
