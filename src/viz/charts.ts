import type { TopLevelSpec } from 'vega-lite';
import { InvalidArgumentError } from '../errors.js';
import { FONT_FAMILY, renderSvgToPng } from './renderer.js';

/**
 * Per-epoch metrics: the `History` that `model.fit` resolves to, or its `history` record. Keys as
 * Keras and tfjs name them: `loss`, `val_loss`, `accuracy` or `acc`, `val_accuracy` or `val_acc`.
 */
export type TrainingHistory =
  | {
      /** Per-epoch values by metric name. */
      history: Record<string, ReadonlyArray<number | unknown>>;
    }
  | Record<string, ReadonlyArray<number | unknown>>;

/** A Vega-Lite specification: plain data, renderable with {@link chartToSvg}, {@link chartToPng} or vega-embed. */
export type ChartSpec = TopLevelSpec;

/** Options of {@link trainingHistorySpec}. Every field is optional. */
export interface TrainingHistorySpecOptions {
  /**
   * The chart title.
   * @defaultValue 'Training Loss and Accuracy on Fashion-MNIST'
   */
  title?: string;
  /**
   * Chart width in pixels (of the plotting area).
   * @defaultValue 560
   */
  width?: number;
  /**
   * Chart height in pixels (of the plotting area).
   * @defaultValue 360
   */
  height?: number;
}

const SERIES: ReadonlyArray<{ name: string; keys: string[] }> = [
  { name: 'train_loss', keys: ['loss'] },
  { name: 'val_loss', keys: ['val_loss'] },
  { name: 'train_acc', keys: ['accuracy', 'acc'] },
  { name: 'val_acc', keys: ['val_accuracy', 'val_acc'] },
];

/** ggplot2's look (the tutorial uses matplotlib's "ggplot" style): grey panel, white grid, no frame. */
const GGPLOT_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  view: { fill: '#EBEBEB', stroke: null },
  axis: { domain: false, grid: true, gridColor: 'white', gridWidth: 1.2, tickColor: '#7F7F7F', labelColor: '#4D4D4D', titleColor: '#333333', labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal' },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'right' },
  title: { fontSize: 16, fontWeight: 'normal', color: '#222222', anchor: 'middle' },
} as const;

/**
 * The tutorial's training plot as a Vega-Lite spec: train/val loss and accuracy against the epoch,
 * four lines with a legend, in ggplot style. Plain data, so it can be rendered in Node
 * ({@link chartToSvg}, {@link chartToPng}) or in the browser (vega-embed, tfjs-vis).
 *
 * @param history - The `History` from `model.fit` (or its `history` record).
 * @param options - Title and size; see {@link TrainingHistorySpecOptions}.
 * @returns A Vega-Lite spec.
 * @throws {@link InvalidArgumentError} when the history has none of the four series, a series holds a
 *   non-number, or the series lengths differ.
 *
 * @example
 * ```ts
 * import { chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist';
 *
 * const spec = trainingHistorySpec({ loss: [0.6, 0.4], val_loss: [0.45, 0.35], acc: [0.8, 0.86], val_acc: [0.84, 0.88] });
 * const png = await chartToPng(spec);
 * ```
 */
export function trainingHistorySpec(history: TrainingHistory, options: TrainingHistorySpecOptions = {}): ChartSpec {
  const record = readHistory(history);
  const values = Object.entries(record).flatMap(([series, points]) => points.map((value, i) => ({ epoch: i + 1, series, value })));
  const epochs = Math.max(...Object.values(record).map((points) => points.length));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Training Loss and Accuracy on Fashion-MNIST',
    width: options.width ?? 560,
    height: options.height ?? 360,
    data: { values },
    mark: { type: 'line', point: epochs <= 30, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch #', axis: { tickMinStep: 1, format: 'd' }, scale: { domain: [1, Math.max(2, epochs)], nice: false } },
      y: { field: 'value', type: 'quantitative', title: 'Loss/Accuracy' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: SERIES.map((s) => s.name),
        scale: { domain: SERIES.map((s) => s.name), range: ['#E24A33', '#348ABD', '#988ED5', '#777777'] },
      },
    },
    config: GGPLOT_CONFIG,
  } as ChartSpec;
}

function readHistory(history: TrainingHistory): Record<string, number[]> {
  const record = (history && typeof history === 'object' && 'history' in history && typeof history.history === 'object' ? history.history : history) as Record<string, unknown>;
  if (!record || typeof record !== 'object') throw new InvalidArgumentError('history', 'a History from model.fit or a record of per-epoch arrays', history);
  const result: Record<string, number[]> = {};
  for (const { name, keys } of SERIES) {
    // Empty series (e.g. val_* of a run without validation) count as absent.
    const key = keys.find((k) => Array.isArray(record[k]) && (record[k] as unknown[]).length > 0);
    if (key === undefined) continue;
    const points = record[key] as unknown[];
    points.forEach((v, i) => {
      if (typeof v !== 'number') throw new InvalidArgumentError(`history.${key}[${i}]`, 'a number', v);
    });
    result[name] = points as number[];
  }
  const lengths = new Set(Object.values(result).map((p) => p.length));
  if (lengths.size === 0 || lengths.has(0)) {
    throw new InvalidArgumentError('history', 'a record with at least one epoch of loss, val_loss, accuracy (or acc) or val_accuracy (or val_acc)', Object.keys(record));
  }
  if (lengths.size > 1) throw new InvalidArgumentError('history', 'series of equal length (one value per epoch)', Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.length])));
  return result;
}

/** Options of {@link confusionMatrixSpec}. Every field is optional. */
export interface ConfusionMatrixSpecOptions {
  /**
   * The chart title.
   * @defaultValue 'Confusion matrix'
   */
  title?: string;
  /**
   * Side of one cell in pixels.
   * @defaultValue 44
   */
  cellSize?: number;
}

/**
 * A confusion-matrix heatmap as a Vega-Lite spec: true classes down, predicted across, each cell
 * shaded by its count and labelled with it. Takes {@link confusionMatrix}'s plain data.
 *
 * @param matrix - Square matrix of counts (or fractions), rows = true class.
 * @param labelNames - A name per row, in order.
 * @param options - Title and cell size; see {@link ConfusionMatrixSpecOptions}.
 * @returns A Vega-Lite spec.
 * @throws {@link InvalidArgumentError} when the matrix is not square or the names do not match it.
 *
 * @example
 * ```ts
 * import { chartToSvg, confusionMatrix, confusionMatrixSpec } from 'tfjs-fashion-mnist';
 *
 * const matrix = confusionMatrix([0, 1, 1, 0], [0, 1, 0, 0]);
 * const svg = await chartToSvg(confusionMatrixSpec(matrix, ['cat', 'dog']));
 * ```
 */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], labelNames: readonly string[], options: ConfusionMatrixSpecOptions = {}): ChartSpec {
  const n = matrix.length;
  if (!Array.isArray(matrix) || n === 0 || !matrix.every((row) => Array.isArray(row) && row.length === n && row.every((v: unknown) => typeof v === 'number' && Number.isFinite(v)))) {
    throw new InvalidArgumentError('matrix', 'a non-empty square matrix of finite numbers', matrix);
  }
  if (!Array.isArray(labelNames) || labelNames.length !== n) throw new InvalidArgumentError('labelNames', `${n} names, one per row of the matrix`, labelNames);
  const isCounts = matrix.every((row) => row.every((v: number) => Number.isInteger(v)));
  const values = matrix.flatMap((row, i) => row.map((value: number, j: number) => ({ actual: labelNames[i], predicted: labelNames[j], value })));
  const max = Math.max(...matrix.flat());
  const cell = options.cellSize ?? 44;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Confusion matrix',
    width: cell * n,
    height: cell * n,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: [...labelNames], title: 'Predicted label', axis: { labelAngle: -40 } },
      y: { field: 'actual', type: 'ordinal', sort: [...labelNames], title: 'True label' },
    },
    layer: [
      { mark: { type: 'rect' }, encoding: { color: { field: 'value', type: 'quantitative', title: isCounts ? 'count' : 'fraction', scale: { scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: Math.max(8, Math.round(cell / 4)) },
        encoding: {
          text: { field: 'value', type: 'quantitative', format: isCounts ? 'd' : '.2f' },
          color: { condition: { test: `datum.value > ${max / 2}`, value: 'white' }, value: '#222222' },
        },
      },
    ],
    config: { ...GGPLOT_CONFIG, view: { stroke: null }, axis: { ...GGPLOT_CONFIG.axis, grid: false } },
  } as ChartSpec;
}

/**
 * Renders a Vega-Lite spec to an SVG document, headless (no DOM, no canvas). Text uses the bundled
 * font family, so the PNG from {@link chartToPng} matches what the SVG shows.
 *
 * @param spec - A Vega-Lite spec, e.g. from {@link trainingHistorySpec}.
 * @returns The SVG markup.
 * @throws Whatever Vega-Lite reports for an invalid spec.
 *
 * @example
 * ```ts
 * import { chartToSvg, trainingHistorySpec } from 'tfjs-fashion-mnist';
 *
 * const svg = await chartToSvg(trainingHistorySpec({ loss: [0.5, 0.3] }));
 * ```
 */
export async function chartToSvg(spec: ChartSpec): Promise<string> {
  const [vegaLite, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders a Vega-Lite spec to PNG bytes (Vega to SVG, then resvg with the bundled font).
 *
 * @param spec - A Vega-Lite spec, e.g. from {@link trainingHistorySpec}.
 * @param scale - Pixel density; 2 gives a sharp image for high-DPI screens.
 * @returns The PNG file's bytes.
 * @throws Whatever Vega-Lite reports for an invalid spec.
 *
 * @example
 * ```ts
 * import { chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist';
 * import { writeFile } from 'node:fs/promises';
 *
 * await writeFile('plot.png', await chartToPng(trainingHistorySpec({ loss: [0.5, 0.3] })));
 * ```
 */
export async function chartToPng(spec: ChartSpec, scale = 1): Promise<Uint8Array> {
  if (typeof scale !== 'number' || !(scale > 0) || scale > 8) throw new InvalidArgumentError('scale', 'a number above 0 and at most 8', scale);
  const svg = await chartToSvg(spec);
  return renderSvgToPng(svg, scale);
}
