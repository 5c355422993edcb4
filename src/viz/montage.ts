import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { assertInteger, assertTensor, invalid, type OptionNames, resolveOptions } from '../validate.js';
import { blackImage, type RgbImage } from './image.js';
import { CSS_COLOR_FORMS, parseCssColor, type ParsedColor } from './color.js';
import { assertRenderableText, escapeXml, FONT_FAMILY, renderSvgToRgba } from './renderer.js';

/**
 * Images for {@link buildMontage}: an array of tensors (`[h, w]`, `[h, w, 1]` or `[h, w, 3]`), a
 * 4-D tensor `[n, h, w, channels]`, or a split from {@link loadFashionMnist} (`{ images, count,
 * height, width }`, grayscale bytes). Float values that all lie in [0, 1] are scaled to 0-255.
 */
export type MontageImages =
  | readonly tf.Tensor[]
  | tf.Tensor4D
  | {
      /** Grayscale bytes, `count * height * width`, image after image. */
      images: Uint8Array;
      /** Number of images. */
      count: number;
      /** Image height in pixels. */
      height: number;
      /** Image width in pixels. */
      width: number;
    };

/** Options of {@link buildMontage}. Every field is optional. */
export interface MontageOptions {
  /**
   * A text per image, drawn at the top-left of its tile like the tutorial's `cv2.putText`. Each is
   * at most 256 characters (UTF-16 code units) and has no
   * control characters (a NUL, tab or line break is refused, not stripped); a caption wider than
   * its tile is cut off at the tile's edge.
   * @defaultValue undefined: no captions
   */
  captions?: readonly string[];
  /**
   * The caption colour: one colour for all, or one per image (e.g. green when the prediction is
   * right, red when wrong). `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)`,
   * `rgba(r, g, b, a)` (channels 0-255 or percentages, alpha 0-1) or a CSS colour name such as
   * `'lime'`; anything else is refused rather than drawn black.
   * @defaultValue '#00ff00'
   */
  captionColors?: string | readonly string[];
  /**
   * Caption font size in pixels: an integer from 1 to the tile height, and at most 512.
   * @defaultValue a sixth of the tile height (16 for 96-pixel tiles), at least 8 and at most 512
   *   (and never more than the tile height)
   */
  fontSize?: number;
}

/** The defaults of {@link MontageOptions} (`fontSize` is worked out from the tile height). */
export const MONTAGE_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Green captions, as the tutorial draws correct predictions. */
  captionColors: '#00ff00',
  /** The caption font size as a fraction of the tile height. */
  fontSizeFraction: 1 / 6,
  /** The smallest default caption font size in pixels (smaller when the tile is smaller). */
  minFontSize: 8,
});

const MONTAGE_OPTIONS: OptionNames<MontageOptions> = { captions: true, captionColors: true, fontSize: true };

/**
 * The limits {@link buildMontage} enforces before it allocates anything, so that a typo such as
 * `[20000, 20000]` or `[1e9, 1]` is refused at once instead of taking gigabytes or minutes. An RGB
 * montage takes 3 bytes per pixel, so one montage is at most 192 MiB and one call's montages at
 * most 768 MiB; captions are rendered a band of tile rows at a time, so the renderer's buffer stays
 * near 64 MiB.
 */
export const MONTAGE_LIMITS = /* @__PURE__ */ Object.freeze({
  /** The largest tile width or height in pixels. */
  maxTileSide: 4096,
  /** The largest montage width or height in pixels (`columns * width`, `rows * height`). */
  maxMontageSide: 16384,
  /** The most pixels in one montage: 2^26 (64 Mpx, 192 MiB as RGB). */
  maxMontagePixels: 2 ** 26,
  /** The most pixels in all the montages of one call: 2^28 (256 Mpx, 768 MiB as RGB). */
  maxTotalPixels: 2 ** 28,
  /** The largest caption font size in pixels (it is also never more than the tile height). */
  maxFontSize: 512,
  /** The longest caption in characters (UTF-16 code units). */
  maxCaptionLength: 256,
});

/**
 * Tiles images into montages, as imutils' `build_montages`: every image is resized (bilinear) to
 * `imageShape`, tiles fill each montage row by row on a black canvas of `montageShape` tiles, and a
 * new montage starts when one is full; the last one is padded with black. Optional captions are drawn
 * with a bundled font, so they render the same on machines without system fonts.
 *
 * Every argument is checked before anything is allocated, so that a typo such as `[20000, 20000]`
 * is refused at once instead of taking gigabytes or minutes. Limits: tiles of at most 4096 pixels on
 * a side; montages of at most 16384 pixels on a side and 2^26 pixels (64 Mpx, 192 MiB as RGB); the
 * montages of one call at most 2^28 pixels (768 MiB); captions of at most 256 characters; font sizes
 * of at most 512 pixels. Tensors passed in stay the caller's, and every tensor made here is disposed
 * of, also when it throws.
 *
 * @param images - The images; see {@link MontageImages}.
 * @param imageShape - `[width, height]` of each tile in pixels, each at most 4096.
 * @param montageShape - `[columns, rows]` of tiles per montage.
 * @param options - Captions, their colours and size; see {@link MontageOptions}.
 * @returns One {@link RgbImage} of `rows * height` by `columns * width` pixels per montage (none for no images).
 * @throws {@link InvalidArgumentError} for unsupported image shapes, sizes beyond the limits, unknown options,
 *   a font size out of range, caption lists whose length differs from the number of images, captions
 *   with control characters, or colours that are not CSS colours.
 * @throws {@link RendererError} when captions are asked for in a browser without {@link configureRenderer}.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMontage, drawImageToCanvas, loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist';
 *
 * // In a browser, after configureRenderer(); in Node, tfjs-fashion-mnist/node's buildMontage needs no setup.
 * const { test, labelNames } = await loadFashionMnist({ baseUrl: 'data/' });
 * const sample = subsetSplit(test, 16);
 * const captions = Array.from(sample.labels, (label) => labelNames[label]!);
 * const [montage] = await buildMontage(sample, [96, 96], [4, 4], { captions });
 * drawImageToCanvas(montage!, document.querySelector('canvas')!);
 * ```
 */
export async function buildMontage(
  images: MontageImages,
  imageShape: readonly [number, number],
  montageShape: readonly [number, number],
  options: MontageOptions = {},
): Promise<RgbImage[]> {
  const tile = readTileShape(imageShape);
  const [columns, rows] = readMontageShape(montageShape, tile);
  const count = imageCount(images);
  const perMontage = columns * rows;
  checkTotalPixels(count, perMontage, columns * tile.width * rows * tile.height);
  const settings = resolveOptions('options', options, { captionColors: MONTAGE_DEFAULTS.captionColors }, MONTAGE_OPTIONS);
  const captions = readCaptions(settings, count);
  const fontSize = readFontSize(settings.fontSize, tile.height);
  const montages: RgbImage[] = [];
  for (let i = 0; i < count; i++) {
    if (i % perMontage === 0) montages.push(blackImage(columns * tile.width, rows * tile.height));
    const slot = i % perMontage;
    pasteTile(montages.at(-1)!, resizedTile(images, i, tile.width, tile.height), (slot % columns) * tile.width, Math.floor(slot / columns) * tile.height, tile.width, tile.height);
  }
  if (captions) {
    for (let m = 0; m < montages.length; m++) {
      const first = m * perMontage;
      const tiles = captions.slice(first, first + perMontage).map((caption, slot) => ({ ...caption, column: slot % columns, row: Math.floor(slot / columns) }));
      await drawCaptions(montages[m]!, tiles, tile, fontSize);
    }
  }
  return montages;
}

interface TileSize {
  width: number;
  height: number;
}

function readPair(value: readonly [number, number], argument: string, names: [string, string]): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw invalid(argument, value, `a pair [${names[0]}, ${names[1]}] of positive integers`);
  }
  return [value[0], value[1]];
}

function readTileShape(imageShape: readonly [number, number]): TileSize {
  const [width, height] = readPair(imageShape, 'imageShape', ['width', 'height']);
  const max = MONTAGE_LIMITS.maxTileSide;
  assertInteger('imageShape[0] (width)', width, { min: 1, max });
  assertInteger('imageShape[1] (height)', height, { min: 1, max });
  return { width, height };
}

/** Reads `[columns, rows]`; the montage they make with `tile` must fit {@link MONTAGE_LIMITS}. */
function readMontageShape(montageShape: readonly [number, number], tile: TileSize): [number, number] {
  const [columns, rows] = readPair(montageShape, 'montageShape', ['columns', 'rows']);
  assertInteger('montageShape[0] (columns)', columns);
  assertInteger('montageShape[1] (rows)', rows);
  const { maxMontageSide, maxMontagePixels } = MONTAGE_LIMITS;
  const width = columns * tile.width;
  const height = rows * tile.height;
  if (width > maxMontageSide || height > maxMontageSide || width * height > maxMontagePixels) {
    throw invalid(
      'montageShape',
      montageShape,
      `a grid that makes montages of at most ${maxMontageSide} pixels on a side and ${maxMontagePixels} pixels in all (with ${tile.width}x${tile.height} tiles it makes ${width}x${height})`,
    );
  }
  return [columns, rows];
}

/** Refuses calls whose montages together would exceed {@link MONTAGE_LIMITS}`.maxTotalPixels`. */
function checkTotalPixels(count: number, perMontage: number, montagePixels: number): void {
  const montages = Math.ceil(count / perMontage);
  if (montages * montagePixels > MONTAGE_LIMITS.maxTotalPixels) {
    const most = Math.floor(MONTAGE_LIMITS.maxTotalPixels / montagePixels) * perMontage;
    throw invalid(
      'images',
      `${count} images`,
      `at most ${most} images for these montage and tile sizes (all montages of one call hold at most ${MONTAGE_LIMITS.maxTotalPixels} pixels; make several calls)`,
    );
  }
}

function isSplit(images: MontageImages): images is { images: Uint8Array; count: number; height: number; width: number } {
  return !Array.isArray(images) && !(images instanceof tf.Tensor) && typeof images === 'object' && images !== null && 'images' in images;
}

function imageCount(images: MontageImages): number {
  if (Array.isArray(images)) {
    images.forEach((image, i) => checkTensor(image, `images[${i}]`, [2, 3]));
    return images.length;
  }
  if (images instanceof tf.Tensor) {
    checkTensor(images, 'images', [4]);
    return images.shape[0]!;
  }
  if (isSplit(images)) {
    const { count, height, width } = images;
    assertInteger('images.count', count, 0);
    assertInteger('images.height', height);
    assertInteger('images.width', width);
    if (!(images.images instanceof Uint8Array) || images.images.length !== count * height * width) {
      throw invalid('images.images', images.images, `a Uint8Array of count * height * width = ${count * height * width} bytes`);
    }
    return count;
  }
  throw invalid('images', images, 'an array of image tensors, a 4-D tensor, or a split from loadFashionMnist');
}

function checkTensor(image: unknown, argument: string, ranks: number[]): void {
  const expected = `an image tensor of shape ${ranks.includes(4) ? '[n, height, width, 1 or 3]' : '[height, width], [height, width, 1] or [height, width, 3]'}`;
  assertTensor(argument, image, { ranks, expected });
  const channels = image.rank === 2 ? 1 : image.shape[image.rank - 1];
  if ((channels !== 1 && channels !== 3) || image.shape.some((d: number) => d === 0)) throw invalid(argument, image, expected);
}

interface CaptionText {
  text: string;
  color: ParsedColor;
}

/**
 * Reads and checks captions and their colours: every caption renderable, every colour a CSS colour.
 * Colours are checked even without captions, so that a mistake is not silently ignored.
 */
function readCaptions(options: MontageOptions & Required<Pick<MontageOptions, 'captionColors'>>, count: number): CaptionText[] | undefined {
  const colors = readColors(options.captionColors, count);
  const { captions } = options;
  if (captions === undefined) return undefined;
  if (!Array.isArray(captions) || captions.length !== count) {
    throw invalid('options.captions', captions, `an array of ${count} strings, one per image`);
  }
  captions.forEach((text: unknown, i) => assertRenderableText(`options.captions[${i}]`, text, MONTAGE_LIMITS.maxCaptionLength));
  return captions.map((text: string, i) => ({ text, color: colors[i] ?? colors[0]! }));
}

/** One colour for all (a single entry), or one per image. */
function readColors(value: NonNullable<MontageOptions['captionColors']>, count: number): ParsedColor[] {
  if (typeof value === 'string') return [readColor('options.captionColors', value)];
  if (!Array.isArray(value) || value.length !== count) {
    throw invalid('options.captionColors', value, `a CSS colour or an array of ${count} colours, one per image`);
  }
  return value.map((color: unknown, i) => readColor(`options.captionColors[${i}]`, color));
}

function readColor(argument: string, value: unknown): ParsedColor {
  const color = parseCssColor(value);
  if (!color) throw invalid(argument, value, CSS_COLOR_FORMS);
  return color;
}

/** The caption font size: the option, or a sixth of the tile height; never above the tile or the limit. */
function readFontSize(fontSize: number | undefined, tileHeight: number): number {
  const max = Math.min(MONTAGE_LIMITS.maxFontSize, tileHeight);
  if (fontSize === undefined) {
    return Math.min(max, Math.max(MONTAGE_DEFAULTS.minFontSize, Math.round(tileHeight * MONTAGE_DEFAULTS.fontSizeFraction)));
  }
  assertInteger('options.fontSize', fontSize, { min: 1, max, note: `the tile height, and at most ${MONTAGE_LIMITS.maxFontSize}` });
  return fontSize;
}

/**
 * One image resized to the tile size as RGB bytes; every tensor made is disposed of. Only the
 * resize runs in tfjs: rounding and greyscale-to-RGB run in plain JavaScript, which on the CPU
 * backend is some thirty times faster for large tiles.
 */
function resizedTile(images: MontageImages, index: number, width: number, height: number): Uint8Array {
  const resized = tf.tidy(() => {
    let image: tf.Tensor3D;
    if (Array.isArray(images)) {
      const source = images[index] as tf.Tensor;
      image = (source.rank === 2 ? tf.expandDims(source, -1) : source) as tf.Tensor3D;
    } else if (images instanceof tf.Tensor) {
      image = tf.squeeze(tf.slice(images, [index, 0, 0, 0], [1, -1, -1, -1]), [0]);
    } else {
      const { height: h, width: w } = images as { height: number; width: number; images: Uint8Array };
      const pixels = (images as { images: Uint8Array }).images.subarray(index * h * w, (index + 1) * h * w);
      image = tf.tensor3d(pixels, [h, w, 1], 'int32');
    }
    let floats = tf.cast(image, 'float32');
    if (image.dtype !== 'int32' && tf.max(floats).dataSync()[0]! <= 1) floats = tf.mul(floats, 255);
    // Half-pixel centres, as OpenCV's cv2.resize (which imutils uses) samples.
    return tf.image.resizeBilinear(floats, [height, width], false, true);
  });
  const channels = resized.shape[2]!;
  let values: ArrayLike<number>;
  try {
    values = resized.dataSync();
  } finally {
    resized.dispose();
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = toByte(values[p * channels + (channels === 3 ? c : 0)]!);
  }
  return rgb;
}

/** Rounds half to even, as `tf.round` does, and clips to 0-255. */
function toByte(value: number): number {
  const floor = Math.floor(value);
  const rest = value - floor;
  const rounded = rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded < 0 ? 0 : rounded > 255 ? 255 : rounded;
}

function pasteTile(montage: RgbImage, tile: Uint8Array, x: number, y: number, width: number, height: number): void {
  for (let row = 0; row < height; row++) {
    montage.data.set(tile.subarray(row * width * 3, (row + 1) * width * 3), ((y + row) * montage.width + x) * 3);
  }
}

interface Caption extends CaptionText {
  column: number;
  row: number;
}

/** The most pixels resvg renders at once for captions: 2^24 (16 Mpx, a 64 MiB RGBA buffer). */
const CAPTION_BAND_PIXELS = 2 ** 24;

/**
 * Draws the captions of one montage, a band of tile rows at a time so that resvg's buffer (which
 * its WebAssembly memory keeps once grown) stays small even for the largest montages.
 */
async function drawCaptions(montage: RgbImage, captions: Caption[], tile: TileSize, fontSize: number): Promise<void> {
  const rowsPerBand = Math.max(1, Math.floor(CAPTION_BAND_PIXELS / (montage.width * tile.height)));
  const visible = captions.filter((c) => c.text.trim() !== '' && c.color.opacity > 0);
  for (let first = 0; first * tile.height < montage.height; first += rowsPerBand) {
    const band = visible.filter((c) => c.row >= first && c.row < first + rowsPerBand);
    if (band.length === 0) continue;
    const height = Math.min(rowsPerBand * tile.height, montage.height - first * tile.height);
    await drawCaptionBand(montage, band, tile, fontSize, first, height);
  }
}

/**
 * Renders the captions of tile rows `first`, `first + 1`, … in one transparent SVG and blends it
 * over the montage's pixels; each tile's text is clipped to its tile, so a long caption never
 * spills onto a neighbour. The text starts inside its tile (resvg traps on a clipped group that
 * lies wholly outside its canvas; a font no taller than the tile keeps it inside vertically).
 */
async function drawCaptionBand(montage: RgbImage, captions: Caption[], tile: TileSize, fontSize: number, first: number, height: number): Promise<void> {
  const baseline = Math.round(fontSize * 1.25);
  const left = Math.min(5, tile.width - 1);
  const texts = captions.map(
    (c) =>
      `<svg x="${c.column * tile.width}" y="${(c.row - first) * tile.height}" width="${tile.width}" height="${tile.height}" overflow="hidden">` +
      `<text x="${left}" y="${baseline}" font-family="${FONT_FAMILY}" font-weight="bold" font-size="${fontSize}" fill="${c.color.hex}"` +
      `${c.color.opacity < 1 ? ` fill-opacity="${c.color.opacity}"` : ''}>${escapeXml(c.text)}</text></svg>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${montage.width}" height="${height}">${texts.join('')}</svg>`;
  const rgba = await renderSvgToRgba(svg);
  const data = montage.data.subarray(first * tile.height * montage.width * 3, (first * tile.height + height) * montage.width * 3);
  for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
    const alpha = rgba[q + 3]!;
    if (alpha === 0) continue;
    // resvg's pixels are premultiplied: out = text + background * (1 - alpha).
    for (let c = 0; c < 3; c++) data[p + c] = Math.round(rgba[q + c]! + (data[p + c]! * (255 - alpha)) / 255);
  }
}
