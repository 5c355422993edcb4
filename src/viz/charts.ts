import type { TopLevelSpec } from 'vega-lite';
import { InvalidArgumentError } from '../errors.js';
import { assertRenderableText, FONT_FAMILY, renderSvgToPng } from './renderer.js';
import { assertInteger, assertNumber, invalid, type OptionNames, resolveOptions } from '../validate.js';

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

/**
 * The limits the chart functions enforce, so that a chart can never ask the renderer for gigabytes:
 * plot sizes in the specs made here, the text drawn in them, and the size of every PNG rendered.
 */
export const CHART_LIMITS = /* @__PURE__ */ Object.freeze({
  /** The largest plot width or height in pixels of {@link trainingHistorySpec} and {@link confusionMatrixSpec}. */
  maxPlotSide: 4096,
  /** The longest title or class name in characters (UTF-16 code units). */
  maxTextLength: 256,
  /** The largest PNG width or height in pixels that {@link chartToPng} renders (after `scale`). */
  maxPngSide: 16384,
  /** The most pixels in a PNG that {@link chartToPng} renders: 2^26 (64 Mpx, 256 MiB while rendered). */
  maxPngPixels: 2 ** 26,
  /** The largest `scale` of {@link chartToPng}. */
  maxScale: 8,
});

/** Options of {@link trainingHistorySpec}. Every field is optional. */
export interface TrainingHistorySpecOptions {
  /**
   * The chart title.
   * @defaultValue 'Training Loss and Accuracy on Fashion-MNIST'
   */
  title?: string;
  /**
   * Chart width in pixels (of the plotting area): an integer from 1 to 4096.
   * @defaultValue 560
   */
  width?: number;
  /**
   * Chart height in pixels (of the plotting area): an integer from 1 to 4096.
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
 *   non-number, or the series lengths differ; for a size beyond 4096 pixels, unknown options, or a
 *   title longer than 256 characters or with control characters.
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
  const { title, width, height } = readHistoryOptions(options);
  const values = Object.entries(record).flatMap(([series, points]) => points.map((value, i) => ({ epoch: i + 1, series, value })));
  const epochs = Object.values(record)[0]!.length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width,
    height,
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

/** The defaults of {@link TrainingHistorySpecOptions}. */
const HISTORY_DEFAULTS = /* @__PURE__ */ Object.freeze({ title: 'Training Loss and Accuracy on Fashion-MNIST', width: 560, height: 360 });
const HISTORY_OPTIONS: OptionNames<TrainingHistorySpecOptions> = { title: true, width: true, height: true };

function readHistoryOptions(options: TrainingHistorySpecOptions): Required<TrainingHistorySpecOptions> {
  const { title, width, height } = resolveOptions('options', options, HISTORY_DEFAULTS, HISTORY_OPTIONS);
  assertRenderableText('options.title', title, CHART_LIMITS.maxTextLength);
  assertInteger('options.width', width, { min: 1, max: CHART_LIMITS.maxPlotSide });
  assertInteger('options.height', height, { min: 1, max: CHART_LIMITS.maxPlotSide });
  return { title, width, height };
}

const MATRIX_DEFAULTS = /* @__PURE__ */ Object.freeze({ title: 'Confusion matrix' });
const MATRIX_OPTIONS: OptionNames<ConfusionMatrixSpecOptions> = { title: true, cellSize: true };

/** Checks that `matrix` is square, non-empty, finite and small enough to plot; returns its size. */
function readMatrix(matrix: readonly (readonly number[])[]): number {
  const n = Array.isArray(matrix) ? matrix.length : 0;
  if (n > CHART_LIMITS.maxPlotSide) throw invalid('matrix', `${n} rows`, `a matrix of at most ${CHART_LIMITS.maxPlotSide} classes (one pixel each)`);
  if (n === 0 || !matrix.every((row) => Array.isArray(row) && row.length === n && row.every((v: unknown) => typeof v === 'number' && Number.isFinite(v)))) {
    throw invalid('matrix', matrix, 'a non-empty square matrix of finite numbers');
  }
  return n;
}

function readHistory(history: TrainingHistory): Record<string, number[]> {
  const record = (history && typeof history === 'object' && 'history' in history && typeof history.history === 'object' ? history.history : history) as Record<string, unknown>;
  if (!record || typeof record !== 'object') throw invalid('history', history, 'a History from model.fit or a record of per-epoch arrays');
  const result: Record<string, number[]> = {};
  // A series that is there but not an array is a mistake, not a series to skip.
  for (const key of SERIES.flatMap((series) => series.keys)) {
    if (record[key] !== undefined && !Array.isArray(record[key])) throw invalid(`history.${key}`, record[key], 'an array of numbers (one per epoch)');
  }
  for (const { name, keys } of SERIES) {
    // Empty series (e.g. val_* of a run without validation) count as absent.
    const key = keys.find((k) => Array.isArray(record[k]) && (record[k] as unknown[]).length > 0);
    if (key === undefined) continue;
    const points = record[key] as unknown[];
    points.forEach((v, i) => {
      if (typeof v !== 'number') throw invalid(`history.${key}[${i}]`, v, 'a number');
    });
    result[name] = points as number[];
  }
  const lengths = new Set(Object.values(result).map((p) => p.length));
  if (lengths.size === 0 || lengths.has(0)) {
    throw invalid('history', Object.keys(record), 'a record with at least one epoch of loss, val_loss, accuracy (or acc) or val_accuracy (or val_acc)');
  }
  if (lengths.size > 1) throw invalid('history', Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.length])), 'series of equal length (one value per epoch)');
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
   * Side of one cell in pixels: a positive integer, with `cellSize` times the number of classes at
   * most 4096.
   * @defaultValue 44, or less when that would make the plot wider than the limit
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
 * @throws {@link InvalidArgumentError} when the matrix is not square or the names do not match it, a
 *   name or the title is longer than 256 characters or has control characters, or the plot would be
 *   more than 4096 pixels wide.
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
  const n = readMatrix(matrix);
  if (!Array.isArray(labelNames) || labelNames.length !== n) throw invalid('labelNames', labelNames, `${n} names, one per row of the matrix`);
  labelNames.forEach((name: unknown, i) => assertRenderableText(`labelNames[${i}]`, name, CHART_LIMITS.maxTextLength));
  const { title, cellSize } = resolveOptions('options', options, MATRIX_DEFAULTS, MATRIX_OPTIONS);
  assertRenderableText('options.title', title, CHART_LIMITS.maxTextLength);
  const largest = Math.floor(CHART_LIMITS.maxPlotSide / n);
  const cell = cellSize ?? Math.min(44, largest);
  assertInteger('options.cellSize', cell, { min: 1, max: largest, note: `${n} cells must fit in ${CHART_LIMITS.maxPlotSide} pixels` });
  const isCounts = matrix.every((row) => row.every((v: number) => Number.isInteger(v)));
  const values = matrix.flatMap((row, i) => row.map((value: number, j: number) => ({ actual: labelNames[i], predicted: labelNames[j], value })));
  // A loop, not Math.max(...): spreading a large matrix overflows the call stack.
  let max = -Infinity;
  for (const row of matrix) for (const v of row) if (v > max) max = v;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
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
 * Renders a Vega-Lite spec to PNG bytes (Vega to SVG, then resvg with the bundled font). The size
 * is checked before any pixel is allocated: at most 16384 pixels on a side and 2^26 (64 Mpx) in
 * all, after scaling.
 *
 * @param spec - A Vega-Lite spec, e.g. from {@link trainingHistorySpec}.
 * @param scale - Pixel density, above 0 and at most 8; 2 gives a sharp image for high-DPI screens.
 * @returns The PNG file's bytes.
 * @throws {@link InvalidArgumentError} for a bad scale, or a chart too large to render at it.
 * @throws {@link RendererError} when resvg cannot read the SVG (e.g. text with control characters).
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
  assertNumber('scale', scale, { above: 0, max: CHART_LIMITS.maxScale });
  const svg = await chartToSvg(spec);
  checkPngSize(svg, scale);
  return renderSvgToPng(svg, scale);
}

/** Refuses an SVG whose rendering at `scale` would exceed {@link CHART_LIMITS}. */
function checkPngSize(svg: string, scale: number): void {
  const root = /^\s*<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const [width, height] = ['width', 'height'].map((name) => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(root)?.[1]));
  const pngWidth = Math.ceil(width! * scale);
  const pngHeight = Math.ceil(height! * scale);
  const { maxPngSide, maxPngPixels } = CHART_LIMITS;
  if (!(pngWidth <= maxPngSide && pngHeight <= maxPngSide && pngWidth * pngHeight <= maxPngPixels)) {
    throw invalid(
      'spec',
      `a chart of ${width}x${height} pixels (${pngWidth}x${pngHeight} at scale ${scale})`,
      `a chart that renders to at most ${maxPngSide} pixels on a side and ${maxPngPixels} pixels in all at scale ${scale}`,
    );
  }
}
