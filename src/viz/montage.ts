import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { assertInteger } from '../validate.js';
import { blackImage, type RgbImage } from './image.js';
import { escapeXml, FONT_FAMILY, renderSvgToRgba } from './renderer.js';

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
   * A text per image, drawn at the top-left of its tile like the tutorial's `cv2.putText`.
   * @defaultValue undefined: no captions
   */
  captions?: readonly string[];
  /**
   * The caption colour: one CSS colour for all, or one per image (e.g. green when the prediction is
   * right, red when wrong).
   * @defaultValue '#00ff00'
   */
  captionColors?: string | readonly string[];
  /**
   * Caption font size in pixels.
   * @defaultValue a sixth of the tile height (16 for 96-pixel tiles), at least 8
   */
  fontSize?: number;
}

/** The defaults of {@link MontageOptions}. */
export const MONTAGE_DEFAULTS = Object.freeze({
  /** Green captions, as the tutorial draws correct predictions. */
  captionColors: '#00ff00',
  /** The caption font size as a fraction of the tile height. */
  fontSizeFraction: 1 / 6,
  /** The smallest caption font size in pixels. */
  minFontSize: 8,
});

/**
 * Tiles images into montages, as imutils' `build_montages`: every image is resized (bilinear) to
 * `imageShape`, tiles fill each montage row by row on a black canvas of `montageShape` tiles, and a
 * new montage starts when one is full; the last one is padded with black. Optional captions are drawn
 * with a bundled font, so they render the same on machines without system fonts.
 *
 * @param images - The images; see {@link MontageImages}. Tensors passed in stay the caller's.
 * @param imageShape - `[width, height]` of each tile in pixels.
 * @param montageShape - `[columns, rows]` of tiles per montage.
 * @param options - Captions and their colours; see {@link MontageOptions}.
 * @returns One {@link RgbImage} of `rows * height` by `columns * width` pixels per montage (none for no images).
 * @throws {@link InvalidArgumentError} for unsupported image shapes, non-positive sizes, or caption
 *   lists whose length differs from the number of images.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMontage, loadFashionMnist, savePng, subsetSplit } from 'tfjs-fashion-mnist';
 *
 * const { test, labelNames } = await loadFashionMnist();
 * const sample = subsetSplit(test, 16);
 * const captions = Array.from(sample.labels, (label) => labelNames[label]!);
 * const [montage] = await buildMontage(sample, [96, 96], [4, 4], { captions });
 * await savePng(montage!, 'montage.png');
 * ```
 */
export async function buildMontage(
  images: MontageImages,
  imageShape: readonly [number, number],
  montageShape: readonly [number, number],
  options: MontageOptions = {},
): Promise<RgbImage[]> {
  const [width, height] = readPair(imageShape, 'imageShape', ['width', 'height']);
  const [columns, rows] = readPair(montageShape, 'montageShape', ['columns', 'rows']);
  const count = imageCount(images);
  const captions = readCaptions(options, count);
  const perMontage = columns * rows;
  const montages: RgbImage[] = [];
  for (let i = 0; i < count; i++) {
    if (i % perMontage === 0) montages.push(blackImage(columns * width, rows * height));
    const montage = montages.at(-1)!;
    const slot = i % perMontage;
    pasteTile(montage, resizedTile(images, i, width, height), (slot % columns) * width, Math.floor(slot / columns) * height, width, height);
  }
  if (captions) {
    const fontSize = options.fontSize ?? Math.max(MONTAGE_DEFAULTS.minFontSize, Math.round(height * MONTAGE_DEFAULTS.fontSizeFraction));
    assertInteger('options.fontSize', fontSize);
    for (let m = 0; m < montages.length; m++) {
      const first = m * perMontage;
      const tiles = captions.texts.slice(first, first + perMontage).map((text, slot) => ({
        text,
        color: captions.colors[first + slot]!,
        x: (slot % columns) * width,
        y: Math.floor(slot / columns) * height,
      }));
      await drawCaptions(montages[m]!, tiles, width, height, fontSize);
    }
  }
  return montages;
}

function readPair(value: readonly [number, number], argument: string, names: [string, string]): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new InvalidArgumentError(argument, `a pair [${names[0]}, ${names[1]}] of positive integers`, value);
  }
  assertInteger(`${argument}[0] (${names[0]})`, value[0]);
  assertInteger(`${argument}[1] (${names[1]})`, value[1]);
  return [value[0], value[1]];
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
    [count, height, width].forEach((v, i) => assertInteger(`images.${['count', 'height', 'width'][i]}`, v, i === 0 ? 0 : 1));
    if (!(images.images instanceof Uint8Array) || images.images.length !== count * height * width) {
      throw new InvalidArgumentError('images.images', `a Uint8Array of count * height * width = ${count * height * width} bytes`, images.images);
    }
    return count;
  }
  throw new InvalidArgumentError('images', 'an array of image tensors, a 4-D tensor, or a split from loadFashionMnist', images);
}

function checkTensor(image: unknown, argument: string, ranks: number[]): void {
  if (!(image instanceof tf.Tensor) || image.isDisposed) throw new InvalidArgumentError(argument, 'a tensor that has not been disposed', image);
  const channels = image.rank === 2 ? 1 : image.shape[image.rank - 1];
  if (!ranks.includes(image.rank) || (channels !== 1 && channels !== 3) || image.shape.some((d: number) => d === 0)) {
    const shapes = ranks.includes(4) ? '[n, height, width, 1 or 3]' : '[height, width], [height, width, 1] or [height, width, 3]';
    throw new InvalidArgumentError(argument, `an image tensor of shape ${shapes}`, image);
  }
}

function readCaptions(options: MontageOptions, count: number): { texts: string[]; colors: string[] } | undefined {
  if (options.captions === undefined) return undefined;
  if (!Array.isArray(options.captions) || options.captions.length !== count || !options.captions.every((c) => typeof c === 'string')) {
    throw new InvalidArgumentError('options.captions', `an array of ${count} strings, one per image`, options.captions);
  }
  const colors = options.captionColors ?? MONTAGE_DEFAULTS.captionColors;
  if (typeof colors === 'string') return { texts: [...options.captions], colors: options.captions.map(() => colors) };
  if (!Array.isArray(colors) || colors.length !== count || !colors.every((c) => typeof c === 'string')) {
    throw new InvalidArgumentError('options.captionColors', `a CSS colour or an array of ${count} colours, one per image`, colors);
  }
  return { texts: [...options.captions], colors: [...colors] };
}

/** One image resized to the tile size as RGB bytes; everything made with tensors is disposed of. */
function resizedTile(images: MontageImages, index: number, width: number, height: number): Uint8Array {
  return tf.tidy(() => {
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
    const resized = tf.image.resizeBilinear(floats, [height, width], false, true);
    const rgb = resized.shape[2] === 1 ? tf.tile(resized, [1, 1, 3]) : resized;
    return Uint8Array.from(tf.clipByValue(tf.round(rgb), 0, 255).dataSync());
  });
}

function pasteTile(montage: RgbImage, tile: Uint8Array, x: number, y: number, width: number, height: number): void {
  for (let row = 0; row < height; row++) {
    montage.data.set(tile.subarray(row * width * 3, (row + 1) * width * 3), ((y + row) * montage.width + x) * 3);
  }
}

interface Caption {
  text: string;
  color: string;
  x: number;
  y: number;
}

/**
 * Renders every caption of a montage in one transparent SVG and blends it over the pixels; each tile's
 * text is clipped to its tile, so a long caption never spills onto a neighbour.
 */
async function drawCaptions(montage: RgbImage, captions: Caption[], width: number, height: number, fontSize: number): Promise<void> {
  const baseline = Math.round(fontSize * 1.25);
  const texts = captions.map(
    (c) =>
      `<svg x="${c.x}" y="${c.y}" width="${width}" height="${height}" overflow="hidden">` +
      `<text x="5" y="${baseline}" font-family="${FONT_FAMILY}" font-weight="bold" font-size="${fontSize}" fill="${escapeXml(c.color)}">${escapeXml(c.text)}</text></svg>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${montage.width}" height="${montage.height}">${texts.join('')}</svg>`;
  const rgba = await renderSvgToRgba(svg);
  const { data } = montage;
  for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
    const alpha = rgba[q + 3]!;
    if (alpha === 0) continue;
    // resvg's pixels are premultiplied: out = text + background * (1 - alpha).
    for (let c = 0; c < 3; c++) data[p + c] = Math.round(rgba[q + c]! + (data[p + c]! * (255 - alpha)) / 255);
  }
}
