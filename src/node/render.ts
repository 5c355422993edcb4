// Node-only rendering: the renderer reads resvg's wasm and the bundled font from node_modules, and
// charts are written to files. The wrappers exist so that Node users need no configureRenderer() call
// and the platform-neutral entry never reaches node:fs.
import { buildMontage as buildMontageWithAssets, type MontageImages, type MontageOptions } from '../viz/montage.js';
import { chartToPng as chartToPngWithAssets, chartToSvg, type ChartSpec } from '../viz/charts.js';
import type { RgbImage } from '../viz/image.js';
import { provideDefaultRendererAssets } from '../viz/renderer.js';
import { InvalidArgumentError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { nodeRendererAssets } from './renderer-assets.js';
import { invalid } from '../validate.js';

/**
 * Tiles images into captioned montages, as imutils' `build_montages`; the same function as the
 * platform-neutral entry's `buildMontage`, with the caption font and renderer read from
 * node_modules. See {@link MontageOptions}.
 *
 * @param images - Tensors, a 4-D tensor, or a split from {@link loadFashionMnist}.
 * @param imageShape - `[width, height]` of each tile, as imutils takes it.
 * @param montageShape - `[columns, rows]` of tiles per montage.
 * @param options - Captions, their colours and size; see {@link MontageOptions}.
 * @returns The montages as RGB images.
 * @throws {@link InvalidArgumentError} for bad shapes, images or options, checked before anything is
 *   allocated; sizes beyond the limits of the platform-neutral `buildMontage`.
 *
 * @example
 * ```ts
 * import { buildMontage, loadFashionMnist, savePng, subsetSplit } from 'tfjs-fashion-mnist/node';
 *
 * const { test, labelNames } = await loadFashionMnist();
 * const sample = subsetSplit(test, 16);
 * const captions = Array.from(sample.labels, (label) => labelNames[label]!);
 * const [montage] = await buildMontage(sample, [96, 96], [4, 4], { captions });
 * await savePng(montage!, 'montage.png');
 * ```
 */
export function buildMontage(
  images: MontageImages,
  imageShape: readonly [number, number],
  montageShape: readonly [number, number],
  options: MontageOptions = {},
): Promise<RgbImage[]> {
  provideDefaultRendererAssets(nodeRendererAssets);
  return buildMontageWithAssets(images, imageShape, montageShape, options);
}

/**
 * Renders a Vega-Lite spec to PNG bytes (Vega to SVG, then resvg with the bundled font read from
 * node_modules); the platform-neutral entry's `chartToPng` without a `configureRenderer()` call.
 *
 * @param spec - A Vega-Lite spec, e.g. from {@link trainingHistorySpec}.
 * @param scale - Pixel density, above 0 and at most 8; 2 gives a sharp image for high-DPI screens.
 * @returns The PNG file's bytes.
 * @throws {@link InvalidArgumentError} for a bad scale, or a chart that would render to more than
 *   16384 pixels on a side or 2^26 pixels in all (checked before rendering).
 * @throws {@link RendererError} when resvg cannot read the chart's SVG.
 * @throws Whatever Vega-Lite reports for an invalid spec.
 *
 * @example
 * ```ts
 * import { chartToPng, trainingHistorySpec } from 'tfjs-fashion-mnist/node';
 *
 * const png = await chartToPng(trainingHistorySpec({ loss: [0.5, 0.3] }));
 * ```
 */
export function chartToPng(spec: ChartSpec, scale = 1): Promise<Uint8Array> {
  provideDefaultRendererAssets(nodeRendererAssets);
  return chartToPngWithAssets(spec, scale);
}

/**
 * Writes a chart to a file, SVG or PNG by the path's extension, atomically. Node only.
 *
 * @param spec - A Vega-Lite spec, e.g. from {@link trainingHistorySpec}.
 * @param path - A path ending in `.svg` or `.png`.
 * @returns A promise that resolves once the file is in place; nothing is written when it fails.
 * @throws {@link InvalidArgumentError} for another extension, or a PNG (at scale 2) beyond the limits of {@link chartToPng}.
 * @throws {@link RendererError} when resvg cannot read the chart's SVG.
 *
 * @example
 * ```ts
 * import { saveChart, trainingHistorySpec } from 'tfjs-fashion-mnist/node';
 *
 * await saveChart(trainingHistorySpec({ loss: [0.5, 0.3] }), 'plot.png');
 * ```
 */
export async function saveChart(spec: ChartSpec, path: string): Promise<void> {
  const extension = typeof path === 'string' ? path.slice(path.lastIndexOf('.')).toLowerCase() : '';
  if (extension !== '.svg' && extension !== '.png') throw invalid('path', path, 'a file path ending in .svg or .png');
  await writeFileAtomic(path, extension === '.svg' ? await chartToSvg(spec) : await chartToPng(spec, 2));
}
