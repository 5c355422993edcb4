import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { accuracy, classificationReport, confusionMatrix, InvalidArgumentError, type ClassificationReportOptions, type ClassLabels } from '../src/index.js';
import { formatFixed, pairwiseSum, pythonFloatRepr } from '../src/metrics/numeric.js';

interface GoldenCase {
  yTrue: number[];
  yPred: number[];
  options: ClassificationReportOptions;
  text: string;
  dict: Record<string, unknown>;
  confusionMatrix: number[][] | string;
  confusionMatrixTrue: number[][] | string;
}
// Written by scripts/golden_classification_report.py with Debian's python3-sklearn.
const golden = JSON.parse(readFileSync(new URL('./golden/classification-report.json', import.meta.url), 'utf8')) as { sklearn: string; cases: GoldenCase[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe(`classificationReport against scikit-learn ${golden.sklearn} (golden file)`, () => {
  it('has many cases', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(150);
  });

  it.each(golden.cases.map((c, i) => [i, c] as const))('case %i: text is identical', (_i, c) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(classificationReport(c.yTrue, c.yPred, c.options)).toBe(c.text);
  });

  it.each(golden.cases.map((c, i) => [i, c] as const))('case %i: dictionary is identical', (_i, c) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(classificationReport(c.yTrue, c.yPred, { ...c.options, outputDict: true })).toEqual(c.dict);
  });

  it.each(golden.cases.map((c, i) => [i, c] as const))('case %i: confusion matrix is identical', (_i, c) => {
    const options = { ...(c.options.labels ? { labels: c.options.labels } : {}), ...(c.options.sampleWeight ? { sampleWeight: c.options.sampleWeight } : {}) };
    if (typeof c.confusionMatrix === 'string') {
      expect(() => confusionMatrix(c.yTrue, c.yPred, options)).toThrow('At least one label specified must be in y_true');
      return;
    }
    expect(confusionMatrix(c.yTrue, c.yPred, options)).toEqual(c.confusionMatrix);
    const normalized = confusionMatrix(c.yTrue, c.yPred, { ...options, normalize: 'true' });
    normalized.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((c.confusionMatrixTrue as number[][])[i]![j]!, 12)));
  });
});

describe('classificationReport by hand', () => {
  // yTrue [0,1,2,2,2], yPred [0,0,2,2,1]: class 0 p=1/2 r=1, class 1 p=0 r=0, class 2 p=1 r=2/3.
  const yTrue = [0, 1, 2, 2, 2];
  const yPred = [0, 0, 2, 2, 1];

  it('prints the scikit-learn documentation example', () => {
    expect(classificationReport(yTrue, yPred, { targetNames: ['class 0', 'class 1', 'class 2'] })).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '     class 0       0.50      1.00      0.67         1',
        '     class 1       0.00      0.00      0.00         1',
        '     class 2       1.00      0.67      0.80         3',
        '',
        '    accuracy                           0.60         5',
        '   macro avg       0.50      0.56      0.49         5',
        'weighted avg       0.70      0.60      0.61         5',
        '',
      ].join('\n'),
    );
  });

  it('accepts typed arrays, 1-D int tensors and 2-D probability tensors, disposing of what it makes', () => {
    const expected = classificationReport(yTrue, yPred);
    const trueTensor = tf.tensor1d(yTrue, 'int32');
    const probabilities = tf.tidy(() => tf.add(tf.mul(tf.oneHot(tf.tensor1d(yPred, 'int32'), 3), 0.8), 0.05));
    const before = tf.memory().numTensors;
    expect(classificationReport(Int32Array.from(yTrue), Uint8Array.from(yPred))).toBe(expected);
    expect(classificationReport(trueTensor, probabilities)).toBe(expected);
    expect(classificationReport(yTrue, probabilities.arraySync() as number[][])).toBe(expected);
    expect(tf.memory().numTensors).toBe(before);
    expect(trueTensor.isDisposed).toBe(false);
    tf.dispose([trueTensor, probabilities]);
  });

  it('warns once per kind of undefined score with the default zeroDivision', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    classificationReport([0, 1, 2, 2], [0, 1, 1, 1]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      'UndefinedMetricWarning: Precision and F-score are ill-defined and being set to 0.0 in labels with no predicted samples. Use `zeroDivision` to control this behavior.',
    );
    warn.mockClear();
    classificationReport([0, 1, 2, 2], [0, 1, 1, 1], { zeroDivision: 0 });
    expect(warn).not.toHaveBeenCalled();
  });

  it('with zeroDivision NaN leaves undefined scores out of the averages (scikit-learn >= 1.3)', () => {
    // Class 2 is never predicted: precision NaN, recall 0, F1 = 2*0/(2+0) = 0.
    // Class 1: tp 1, predicted 3, true 1: p 1/3, r 1, F1 0.5. Class 0: all 1.
    const report = classificationReport([0, 1, 2, 2], [0, 1, 1, 1], { zeroDivision: NaN, outputDict: true });
    expect(report['2']).toEqual({ precision: NaN, recall: 0, 'f1-score': 0, support: 2 });
    expect(report['1']).toEqual({ precision: 1 / 3, recall: 1, 'f1-score': 0.5, support: 1 });
    expect(report['macro avg']).toEqual({ precision: (1 + 1 / 3) / 2, recall: (1 + 1 + 0) / 3, 'f1-score': 1.5 / 3, support: 4 });
    const text = classificationReport([0, 1, 2, 2], [0, 1, 1, 1], { zeroDivision: NaN });
    expect(text.split('\n')[4]).toBe('           2        nan      0.00      0.00         2');
  });

  it('rounds ties to even as Python does', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(0.1, 2)).toBe('0.10');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(pythonFloatRepr(3)).toBe('3.0');
    expect(pythonFloatRepr(1e-5)).toBe('1e-05');
    expect(pythonFloatRepr(1e16)).toBe('1e+16');
  });

  it('sums in NumPy pairwise order', () => {
    const values = Array.from({ length: 10 }, (_, i) => 0.1 * (i + 1) + 1e-9 * i);
    const r = values.slice(0, 8);
    const expected = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!)) + values[8]! + values[9]!;
    expect(pairwiseSum(values)).toBe(expected);
  });

  it.each([
    [[0, 1], [0], {}, 'Argument `yPred` must be as long as yTrue (2 samples; scikit-learn: "inconsistent numbers of samples"), but received "1 samples".'],
    [[], [], {}, 'Argument `yTrue` must be a non-empty list of labels, but received "[]".'],
    [[0, 1.5], [0, 1], {}, 'Argument `yTrue[1]` must be a class index (a non-negative integer), but received 1.5.'],
    [[0, 1], [0, -1], {}, 'Argument `yPred[1]` must be a class index (a non-negative integer), but received -1.'],
    [[0, 1, 1], [0, 1, 0], { targetNames: ['a', 'b', 'c'] }, 'Argument `options.targetNames` must be one name per class found in yTrue and yPred (2: 0, 1); pass options.labels to report classes that do not occur, but received "3 names".'],
    [[0, 1, 1], [0, 1, 0], { labels: [0, 1, 2], targetNames: ['a', 'b'] }, 'Argument `options.targetNames` must be one name per entry of options.labels (3), but received "2 names".'],
    [[0, 1], [0, 1], { digits: -1 }, 'Argument `options.digits` must be an integer from 0 to 20, but received -1.'],
    [[0, 1], [0, 1], { digits: 1000 }, 'Argument `options.digits` must be an integer from 0 to 20, but received 1000.'],
    [[0, 1], [0, 1], { digits: 2.5 }, 'Argument `options.digits` must be an integer from 0 to 20, but received 2.5.'],
    [[0, 1], [[0.2, 0.8], [0.5, NaN]], {}, 'Argument `yPred[1][1]` must be a number (a probability or score; NaN has no maximum), but received NaN.'],
    [[0, 1], [[0.2, 0.8], [0.5]], {}, 'Argument `yPred[1]` must be a row of 2 numbers, as long as yPred[0], but received [0.5].'],
    [[0, 1], [[0.2, 0.8], 1], {}, 'Argument `yPred[1]` must be a row of 2 numbers, as long as yPred[0], but received 1.'],
    [[[], []], [0, 1], {}, 'Argument `yTrue[0]` must be a row of at least one number, but received [].'],
    [[0, 1], [[0.2, '0.8'], [0.5, 0.5]], {}, 'Argument `yPred[0][1]` must be a number (a probability or score; NaN has no maximum), but received "0.8".'],
    [[0, 1], [0, 1], { sampleWeight: { length: 1e9 } }, 'Argument `options.sampleWeight` must be an array, typed array or 1-D tensor of weights, but received an object (Object).'],
    [[0, 1], [0, 1], { sampleWeight: [1, -1] }, 'Argument `options.sampleWeight[1]` must be a finite, non-negative number, but received -1.'],
    [[0, 1], [0, 1], { labels: [[0, 1]] }, 'Argument `options.labels[0]` must be a class index (a non-negative integer), but received [0, 1].'],
    [[0, 1], [0, 1], { labels: 'ab' }, 'Argument `options.labels` must be an array of class indices, but received "ab".'],
    [[0, 1], [0, 1], { zeroDivision: 2 }, "Argument `options.zeroDivision` must be one of \"warn\", 0, 1 or NaN, but received 2."],
    [[0, 1], [0, 1], { sampleWeight: [1] }, 'Argument `options.sampleWeight` must be one weight per sample (2), but received "1 weights".'],
    [[0, 1], [0, 1], { labels: [0, 0] }, 'Argument `options.labels` must be a list of distinct class indices, but received [0, 0].'],
  ])('rejects %j / %j / %j', (t, p, options, message) => {
    const error = (() => {
      try {
        classificationReport(t as ClassLabels, p as ClassLabels, options as ClassificationReportOptions);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });

  it('prints up to 20 digits exactly as Python does', () => {
    // Python's own formatting of scikit-learn's numbers (width = max(names, 'weighted avg', digits)).
    expect(classificationReport(yTrue, yPred, { targetNames: ['class 0', 'class 1', 'class 2'], digits: 20 })).toBe(
      [
        '                      precision    recall  f1-score   support',
        '',
        '             class 0  0.50000000000000000000 1.00000000000000000000 0.66666666666666662966         1',
        '             class 1  0.00000000000000000000 0.00000000000000000000 0.00000000000000000000         1',
        '             class 2  1.00000000000000000000 0.66666666666666662966 0.80000000000000004441         3',
        '',
        '            accuracy                      0.59999999999999997780         5',
        '           macro avg  0.50000000000000000000 0.55555555555555546920 0.48888888888888892836         5',
        '        weighted avg  0.69999999999999995559 0.59999999999999997780 0.61333333333333339699         5',
        '',
      ].join('\n'),
    );
  });

  it('reports many classes without overflowing the call stack', () => {
    const labels = Array.from({ length: 150_000 }, (_, i) => i);
    const report = classificationReport(labels, labels, { outputDict: false });
    expect(report.split('\n')).toHaveLength(150_000 + 7);
  });

  it('rejects 2-D probability tensors with NaN, no columns or strings, making no tensors', () => {
    const nan = tf.tensor2d([[0.1, 0.9], [NaN, 0.2]]);
    const empty = tf.zeros([2, 0]);
    const strings = tf.tensor1d(['a', 'b']);
    const column = tf.ones([2, 1]);
    const disposed = tf.tensor1d([0, 1]);
    disposed.dispose();
    const before = tf.memory().numTensors;
    const cases: Array<[() => unknown, string]> = [
      [() => classificationReport([0, 1], nan), 'Argument `yPred[1][0]` must be a number (a probability or score; NaN has no maximum), but received NaN.'],
      [() => confusionMatrix(nan, [0, 1]), 'Argument `yTrue[1][0]` must be a number (a probability or score; NaN has no maximum), but received NaN.'],
      [() => accuracy([0, 1], empty), 'Argument `yPred` must be a 2-D tensor with at least one column, but received "a tensor of shape [2, 0]".'],
      [() => accuracy(strings, [0, 1]), 'Argument `yTrue` must be a tensor of float32, int32 or bool, but received "a string tensor".'],
      [() => accuracy([0, 1], disposed), 'Argument `yPred` must be a tensor that has not been disposed, but received a tensor of shape [2].'],
      [() => accuracy([0, 1], [0, 1], { sampleWeight: column }), 'Argument `options.sampleWeight` must be a 1-D tensor of weights, but received a tensor of shape [2, 1].'],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([nan, empty, strings, column]);
  });

  it('rejects a 3-D tensor without leaking', () => {
    const x = tf.zeros([2, 2, 2]);
    const before = tf.memory().numTensors;
    expect(() => classificationReport(x, [0, 1])).toThrow(
      'Argument `yTrue` must be a 1-D tensor of class indices or a 2-D tensor of one-hot rows or probabilities, but received a tensor of shape [2, 2, 2].',
    );
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('confusionMatrix and accuracy', () => {
  it('matches the scikit-learn documentation example', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])).toEqual([[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], { normalize: 'pred' })).toEqual([[2 / 3, 0, 0], [0, 0, 1 / 3], [1 / 3, 0, 2 / 3]]);
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], { normalize: 'all' })[0]).toEqual([2 / 6, 0, 0]);
    // Column 1 is never predicted: normalising by it gives 0, not NaN.
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], { normalize: 'pred' })[1]![1]).toBe(0);
  });

  it('reorders and selects with labels', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], { labels: [2, 0] })).toEqual([[2, 1], [0, 2]]);
    expect(() => confusionMatrix([0, 1], [0, 1], { normalize: 'rows' as never })).toThrow(
      "Argument `options.normalize` must be one of \"true\", \"pred\" or \"all\", but received \"rows\".",
    );
  });

  it('refuses more classes than a confusion matrix can hold, before allocating it', () => {
    const many = Array.from({ length: 5000 }, (_, i) => i);
    expect(() => confusionMatrix(many, many)).toThrow(
      'Argument `yTrue` must be labels of at most 4096 distinct classes (counting yTrue and yPred together), but received "5000 classes".',
    );
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: many })).toThrow('Argument `options.labels` must be a list of at most 4096 classes, but received "5000 classes".');
    expect(confusionMatrix([0, 4095], [0, 4095])).toEqual([[1, 0], [0, 1]]);
  });

  it('reads nested probability rows with argmax, first maximum on ties as tf.argMax', () => {
    expect(confusionMatrix([0, 1, 2], [[0.5, 0.5, 0], [0, 1, 1], [-Infinity, -Infinity, -1]])).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(accuracy([[1, 0], [0, 1]], [[0.9, 0.1], [0.4, 0.6]])).toBe(1);
  });

  it('computes accuracy, weighted and unnormalised', () => {
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5);
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3], { normalize: false })).toBe(2);
    expect(accuracy([0, 1], [0, 0], { sampleWeight: [3, 1] })).toBe(0.75);
  });
});
