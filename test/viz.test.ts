import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMontage,
  chartToPng,
  chartToSvg,
  confusionMatrixSpec,
  encodePng,
  InvalidArgumentError,
  RendererError,
  saveChart,
  savePng,
  trainingHistorySpec,
  type RgbImage,
} from '../src/node.js';
import { CHART_LIMITS } from '../src/viz/charts.js';
import { MONTAGE_LIMITS } from '../src/viz/montage.js';
import { decodePng } from '../src/node/png-decode.js';
import { parseCssColor } from '../src/viz/color.js';
import { tempDir } from './helpers/temp-dir.js';

const work = tempDir('viz');
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n grayscale 28x28 images whose pixels all equal 10 * (i + 1), as a loadFashionMnist split. */
function flatSplit(n: number) {
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) images.fill(10 * (i + 1), i * 784, (i + 1) * 784);
  return { images, count: n, height: 28, width: 28, labels: new Uint8Array(n) };
}

const pixel = (image: RgbImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

describe('buildMontage', () => {
  it.each([
    [16, 1],
    [17, 2],
    [0, 0],
  ])('makes the right number of 4x4 montages for %i images', async (n, expected) => {
    const montages = await buildMontage(flatSplit(n), [96, 96], [4, 4]);
    expect(montages).toHaveLength(expected);
    for (const m of montages) {
      expect([m.width, m.height, m.data.length]).toEqual([384, 384, 384 * 384 * 3]);
    }
  });

  it('fills tiles row-major and pads the last montage with black', async () => {
    const [first, second] = await buildMontage(flatSplit(17), [96, 96], [4, 4]);
    // Tile 6 is row 1, column 2 and holds image 6 (value 70), grey in all three channels.
    expect(pixel(first!, 2 * 96 + 40, 96 + 40)).toEqual([70, 70, 70]);
    expect(pixel(first!, 3 * 96 + 95, 3 * 96 + 95)).toEqual([160, 160, 160]);
    expect(pixel(second!, 10, 10)).toEqual([170, 170, 170]);
    // Everything after the 17th image is black padding.
    let nonBlackOutsideFirstTile = 0;
    for (let y = 0; y < 384; y++) {
      for (let x = 0; x < 384; x++) if ((x >= 96 || y >= 96) && pixel(second!, x, y).some((v) => v !== 0)) nonBlackOutsideFirstTile++;
    }
    expect(nonBlackOutsideFirstTile).toBe(0);
    expect(pixel(second!, 200, 300)).toEqual([0, 0, 0]);
  });

  it('places exactly the bilinear resize of each input in its tile', async () => {
    const image = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.randomUniform([28, 28, 1], 0, 1, 'float32', 5), 255)), 'int32')) as tf.Tensor3D;
    const expected = tf.tidy(() => tf.clipByValue(tf.round(tf.image.resizeBilinear(tf.cast(image, 'float32'), [64, 48], false, true)), 0, 255).dataSync());
    const [montage] = await buildMontage([tf.zeros([28, 28]), image], [48, 64], [2, 1]);
    expect([montage!.width, montage!.height]).toEqual([96, 64]);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 48; x++) {
        expect(pixel(montage!, 48 + x, y)).toEqual([expected[y * 48 + x], expected[y * 48 + x], expected[y * 48 + x]]);
      }
    }
    image.dispose();
  });

  it('accepts RGB tensors, float images in [0, 1] and 4-D batches, leaking no tensors', async () => {
    const rgb = tf.tensor3d([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255], [2, 2, 3], 'int32');
    const floats = tf.fill([4, 4, 1], 0.5);
    const batch = tf.fill([3, 8, 8, 3], 200, 'int32') as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const [a] = await buildMontage([rgb, floats], [2, 2], [2, 1]);
    expect(pixel(a!, 0, 0)).toEqual([255, 0, 0]);
    expect(pixel(a!, 1, 1)).toEqual([255, 255, 255]);
    expect(pixel(a!, 2, 0)).toEqual([128, 128, 128]);
    const fromBatch = await buildMontage(batch, [8, 8], [2, 1]);
    expect(fromBatch).toHaveLength(2);
    expect(pixel(fromBatch[1]!, 3, 3)).toEqual([200, 200, 200]);
    expect(pixel(fromBatch[1]!, 12, 3)).toEqual([0, 0, 0]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([rgb, floats, batch]);
  });

  it('draws captions only in the caption band of each tile, in the colours asked for', async () => {
    const split = flatSplit(4);
    const plain = (await buildMontage(split, [96, 96], [2, 2]))[0]!;
    const colors = ['#00ff00', '#ff0000', '#00ff00', '#0000ff'];
    const captions = ['ankle boot', 'shirt', 'bag', 'coat'];
    const captioned = (await buildMontage(split, [96, 96], [2, 2], { captions, captionColors: colors }))[0]!;
    const changed = new Set<number>();
    const sums = [0, 0, 0, 0].map(() => [0, 0, 0]);
    for (let y = 0; y < 192; y++) {
      for (let x = 0; x < 192; x++) {
        const before = pixel(plain, x, y);
        const after = pixel(captioned, x, y);
        if (before.every((v, c) => v === after[c])) continue;
        const tile = Math.floor(y / 96) * 2 + Math.floor(x / 96);
        changed.add(tile);
        // The default font size for 96-pixel tiles is 16: text sits in the top 26 rows, from x = 5.
        expect(y % 96).toBeLessThan(26);
        expect(x % 96).toBeGreaterThanOrEqual(4);
        after.forEach((v, c) => (sums[tile]![c]! += v - before[c]!));
      }
    }
    expect([...changed].sort()).toEqual([0, 1, 2, 3]);
    // The dominant added colour of each tile's text is the one asked for.
    const dominant = sums.map((s) => s.indexOf(Math.max(...s)));
    expect(dominant).toEqual([1, 0, 1, 2]);
  });

  it('writes a PNG that decodes back to the same pixels', async () => {
    const [montage] = await buildMontage(flatSplit(3), [96, 96], [4, 4], { captions: ['a', 'b', 'c'] });
    const path = join(work, 'montage.png');
    await savePng(montage!, path);
    const decoded = decodePng(new Uint8Array(readFileSync(path)));
    expect([decoded.width, decoded.height]).toEqual([384, 384]);
    expect(decoded.data).toEqual(montage!.data);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    [() => buildMontage(flatSplit(2), [0, 96], [4, 4]), 'Argument `imageShape[0] (width)` must be an integer from 1 to 4096, but received 0.'],
    [() => buildMontage(flatSplit(2), [20000, 20000], [4, 4]), 'Argument `imageShape[0] (width)` must be an integer from 1 to 4096, but received 20000.'],
    [() => buildMontage(flatSplit(2), [96, 1e9], [4, 4]), 'Argument `imageShape[1] (height)` must be an integer from 1 to 4096, but received 1000000000.'],
    [() => buildMontage(flatSplit(2), [96, 96], [0, 4]), 'Argument `montageShape[0] (columns)` must be a positive integer, but received 0.'],
    [
      () => buildMontage(flatSplit(2), [4096, 4096], [5, 5]),
      'Argument `montageShape` must be a grid that makes montages of at most 16384 pixels on a side and 67108864 pixels in all (with 4096x4096 tiles it makes 20480x20480), but received [5, 5].',
    ],
    [
      () => buildMontage(flatSplit(2), [1, 1], [1e9, 1]),
      'Argument `montageShape` must be a grid that makes montages of at most 16384 pixels on a side and 67108864 pixels in all (with 1x1 tiles it makes 1000000000x1), but received [1000000000, 1].',
    ],
    [
      () => buildMontage({ images: new Uint8Array(17), count: 17, height: 1, width: 1 }, [4096, 4096], [2, 2]),
      'Argument `images` must be at most 16 images for these montage and tile sizes (all montages of one call hold at most 268435456 pixels; make several calls), but received "17 images".',
    ],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], fontSize: 700 }), 'Argument `options.fontSize` must be an integer from 1 to 96 (the tile height, and at most 512), but received 700.'],
    [() => buildMontage(flatSplit(2), [96, 600], [1, 1], { captions: ['a', 'b'], fontSize: 513 }), 'Argument `options.fontSize` must be an integer from 1 to 512 (the tile height, and at most 512), but received 513.'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], fontSize: 0 }), 'Argument `options.fontSize` must be an integer from 1 to 96 (the tile height, and at most 512), but received 0.'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], fontSize: 12.5 }), 'Argument `options.fontSize` must be an integer from 1 to 96 (the tile height, and at most 512), but received 12.5.'],
    [
      () => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b\u0000c'] }),
      'Argument `options.captions[1]` must be a string without control characters (U+0000 to U+001F, U+007F to U+009F), unpaired surrogates, U+FFFE or U+FFFF, but received "b\\u0000c".',
    ],
    [
      () => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['line\nbreak', 'b'] }),
      'Argument `options.captions[0]` must be a string without control characters (U+0000 to U+001F, U+007F to U+009F), unpaired surrogates, U+FFFE or U+FFFF, but received "line\\nbreak".',
    ],
    [
      () => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 1 as never] }),
      'Argument `options.captions[1]` must be a string without control characters (U+0000 to U+001F, U+007F to U+009F), unpaired surrogates, U+FFFE or U+FFFF, but received 1.',
    ],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'x'.repeat(257)] }), 'Argument `options.captions[1]` must be a text of at most 256 characters, but received "a string of 257 characters".'],
    [
      () => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], captionColors: 'greenish' }),
      'Argument `options.captionColors` must be a CSS colour (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(r, g, b), rgba(r, g, b, a) or a CSS colour name), but received "greenish".',
    ],
    [
      () => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], captionColors: ['red', 'rgb(300, 0, 0)'] }),
      'Argument `options.captionColors[1]` must be a CSS colour (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(r, g, b), rgba(r, g, b, a) or a CSS colour name), but received "rgb(300, 0, 0)".',
    ],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], null as never), 'Argument `options` must be an object of options, but received null.'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { fontSize: 100 }), 'Argument `options.fontSize` must be an integer from 1 to 96 (the tile height, and at most 512), but received 100.'],
    [
      () => buildMontage(flatSplit(2), [96, 96], [4, 4], { captionColors: '#12' }),
      'Argument `options.captionColors` must be a CSS colour (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(r, g, b), rgba(r, g, b, a) or a CSS colour name), but received "#12".',
    ],
    [() => buildMontage(flatSplit(2), [96, 96], [4] as never), 'Argument `montageShape` must be a pair [columns, rows] of positive integers, but received [4].'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['one'] }), 'Argument `options.captions` must be an array of 2 strings, one per image, but received ["one"].'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], captionColors: ['red'] }), 'Argument `options.captionColors` must be a CSS colour or an array of 2 colours, one per image, but received ["red"].'],
    [() => buildMontage([tf.zeros([2, 2, 2])], [8, 8], [1, 1]), 'Argument `images[0]` must be an image tensor of shape [height, width], [height, width, 1] or [height, width, 3], but received a tensor of shape [2, 2, 2].'],
    [() => buildMontage(tf.zeros([2, 8, 8]) as never, [8, 8], [1, 1]), 'Argument `images` must be an image tensor of shape [n, height, width, 1 or 3], but received a tensor of shape [2, 8, 8].'],
    [() => buildMontage({ ...flatSplit(2), count: 3 }, [8, 8], [1, 1]), 'Argument `images.images` must be a Uint8Array of count * height * width = 2352 bytes, but received Uint8Array of length 1568.'],
  ])('rejects bad input %#', async (call, message) => {
    const started = performance.now();
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
    // Refused before anything large is allocated or computed.
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('makes no tensors when it refuses its arguments, and leaks none when it succeeds', async () => {
    const images = [tf.zeros([28, 28]), tf.fill([28, 28, 3], 0.5)];
    const batch = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expect(buildMontage(images, [20000, 20000], [1, 1])).rejects.toThrow(InvalidArgumentError);
    await expect(buildMontage(batch, [8, 8], [1, 1], { captions: ['a', 'b\u0000'] })).rejects.toThrow(InvalidArgumentError);
    await expect(buildMontage(images, [96, 96], [2, 1], { captions: ['a', 'b'], captionColors: 'nope' })).rejects.toThrow(InvalidArgumentError);
    await expect(buildMontage(images, [96, 96], [2, 1], { captions: ['a', 'b'], fontSize: 97 })).rejects.toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
    expect(await buildMontage(images, [96, 96], [2, 1], { captions: ['a', 'b'] })).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...images, batch]);
  });

  it('draws the largest captions on the largest tiles, band by band, without trapping in resvg', async () => {
    // Two 4096x2049 tiles: each tile row exceeds half the 16 Mpx caption band, so each is its own band.
    const split = { images: new Uint8Array(2), count: 2, height: 1, width: 1 };
    const started = performance.now();
    const [montage] = await buildMontage(split, [4096, 2049], [1, 2], { captions: ['W', 'W'], fontSize: MONTAGE_LIMITS.maxFontSize });
    expect(performance.now() - started).toBeLessThan(30_000);
    expect([montage!.width, montage!.height]).toEqual([4096, 4098]);
    // A 512-pixel bold W fills green pixels near its middle in both tiles.
    for (const top of [0, 2049]) {
      let green = 0;
      for (let y = top + 200; y < top + 600; y += 4) for (let x = 0; x < 600; x += 4) if (pixel(montage!, x, y)[1] === 255) green++;
      expect(green).toBeGreaterThan(1000);
    }
  }, 60_000);

  it('captions tiles smaller than the caption offset, and tiles whose captions are empty or outside the font', async () => {
    const split = { images: new Uint8Array(6), count: 6, height: 1, width: 1 };
    for (const [width, height] of [[1, 1], [3, 2], [5, 40]] as const) {
      const montages = await buildMontage(split, [width, height], [3, 2], { captions: ['A', ' ', '', '日本', '😀', 'Wjgy'], fontSize: height });
      expect([montages[0]!.width, montages[0]!.height]).toEqual([3 * width, 2 * height]);
    }
    // Alone on its canvas, a caption starting right of a 1-pixel tile made resvg trap.
    const [single] = await buildMontage({ images: new Uint8Array(1), count: 1, height: 1, width: 1 }, [1, 1], [1, 1], { captions: ['A'] });
    expect(single!.data.length).toBe(3);
  });

  it('blends captions in the CSS colours asked for, including ones resvg does not know', async () => {
    const split = { images: new Uint8Array(1), count: 1, height: 1, width: 1 };
    const solid = async (color: string) => {
      const [montage] = await buildMontage(split, [64, 64], [1, 1], { captions: ['W'], captionColors: color, fontSize: 60 });
      // The brightest pixel lies inside the glyph, where the text is opaque (or as opaque as asked).
      let best = [0, 0, 0];
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (pixel(montage!, x, y).reduce((a, b) => a + b) > best.reduce((a, b) => a + b)) best = pixel(montage!, x, y);
      return best;
    };
    expect(await solid('rebeccapurple')).toEqual([0x66, 0x33, 0x99]);
    expect(await solid('rgb(0 128 255)')).toEqual([0, 128, 255]);
    expect(await solid('#ffffff80')).toEqual([128, 128, 128]);
    expect(await solid('rgba(255, 0, 0, 50%)')).toEqual([128, 0, 0]);
  });

  it('parses CSS colours into what resvg is given', () => {
    expect(parseCssColor('#0F0')).toEqual({ hex: '#00ff00', opacity: 1 });
    expect(parseCssColor(' Lime ')).toEqual({ hex: '#00ff00', opacity: 1 });
    expect(parseCssColor('#00ff0080')).toEqual({ hex: '#00ff00', opacity: 128 / 255 });
    expect(parseCssColor('rgba(0, 255, 0, 0.25)')).toEqual({ hex: '#00ff00', opacity: 0.25 });
    expect(parseCssColor('rgb(0% 100% 0% / 50%)')).toEqual({ hex: '#00ff00', opacity: 0.5 });
    expect(parseCssColor('transparent')).toEqual({ hex: '#000000', opacity: 0 });
    for (const bad of ['', 'none', 'currentColor', '#ff00f', 'rgb(256, 0, 0)', 'rgba(0, 0, 0, 2)', 'rgb(0, 0)', 'red;', 'hsl(0, 100%, 50%)', 42]) {
      expect(parseCssColor(bad)).toBeUndefined();
    }
  });

  it('rejects a malformed image for PNG encoding', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(3) })).toThrow(
      'Argument `image` must be an RgbImage { width, height, data } with width * height * 3 bytes of data, but received an object (Object).',
    );
  });
});

describe('charts', () => {
  const history = { history: { loss: [0.6, 0.4, 0.35], val_loss: [0.45, 0.37, 0.33], acc: [0.78, 0.85, 0.87], val_acc: [0.84, 0.87, 0.88] } };

  it('plots the four series with title, axis labels and legend', async () => {
    const svg = await chartToSvg(trainingHistorySpec(history));
    for (const text of ['Training Loss and Accuracy on Fashion-MNIST', 'Epoch #', 'Loss/Accuracy', 'train_loss', 'val_loss', 'train_acc', 'val_acc']) {
      expect(svg).toContain(`>${text}<`);
    }
    // One line path per series.
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(4);
  });

  it('accepts Keras key names and skips missing series', async () => {
    const spec = trainingHistorySpec({ loss: [1, 0.5], accuracy: [0.5, 0.7] }) as { data: { values: Array<{ series: string }> } };
    expect(new Set(spec.data.values.map((v) => v.series))).toEqual(new Set(['train_loss', 'train_acc']));
  });

  it('writes SVG and PNG files; the PNG decodes to the chart size', async () => {
    await saveChart(trainingHistorySpec(history), join(work, 'plot.svg'));
    await saveChart(trainingHistorySpec(history), join(work, 'plot.png'));
    expect(readFileSync(join(work, 'plot.svg'), 'utf8')).toMatch(/^<svg/);
    const png = decodePng(new Uint8Array(readFileSync(join(work, 'plot.png'))));
    const svgWidth = Number(/width="(\d+)"/.exec(await chartToSvg(trainingHistorySpec(history)))![1]);
    expect(png.width).toBe(svgWidth * 2);
  });

  it('renders a confusion matrix with names and counts', async () => {
    const svg = await chartToSvg(confusionMatrixSpec([[5, 1], [2, 7]], ['top', 'ankle boot']));
    for (const text of ['top', 'ankle boot', '5', '1', '2', '7', 'True label', 'Predicted label']) expect(svg).toContain(`>${text}<`);
    const png = decodePng(await chartToPng(confusionMatrixSpec([[5, 1], [2, 7]], ['top', 'ankle boot'])));
    expect(png.width).toBeGreaterThan(88);
  });

  it.each([
    [() => trainingHistorySpec({ foo: [1] }), 'Argument `history` must be a record with at least one epoch of loss, val_loss, accuracy (or acc) or val_accuracy (or val_acc), but received ["foo"].'],
    [() => trainingHistorySpec({ loss: [1, 2], val_loss: [1] }), 'Argument `history` must be series of equal length (one value per epoch), but received an object (Object).'],
    [() => trainingHistorySpec({ loss: [1, 'x'] }), 'Argument `history.loss[1]` must be a number, but received "x".'],
    [() => confusionMatrixSpec([[1, 2]], ['a']), 'Argument `matrix` must be a non-empty square matrix of finite numbers, but received [[1, 2]].'],
    [() => confusionMatrixSpec([[1]], ['a', 'b']), 'Argument `labelNames` must be 1 names, one per row of the matrix, but received ["a", "b"].'],
    [() => trainingHistorySpec({ loss: [1] }, { width: 5000 }), 'Argument `options.width` must be an integer from 1 to 4096, but received 5000.'],
    [() => trainingHistorySpec({ loss: [1] }, { height: 0.5 }), 'Argument `options.height` must be an integer from 1 to 4096, but received 0.5.'],
    [
      () => trainingHistorySpec({ loss: [1] }, { title: 'a\u0000b' }),
      'Argument `options.title` must be a string without control characters (U+0000 to U+001F, U+007F to U+009F), unpaired surrogates, U+FFFE or U+FFFF, but received "a\\u0000b".',
    ],
    [() => trainingHistorySpec({ loss: [1] }, { title: 't'.repeat(300) }), 'Argument `options.title` must be a text of at most 256 characters, but received "a string of 300 characters".'],
    [() => confusionMatrixSpec([[1, 0], [0, 1]], ['a', 'b'], { cellSize: 3000 }), 'Argument `options.cellSize` must be an integer from 1 to 2048 (2 cells must fit in 4096 pixels), but received 3000.'],
    [
      () => confusionMatrixSpec([[1, 0], [0, 1]], ['a', 'b\u0007']),
      'Argument `labelNames[1]` must be a string without control characters (U+0000 to U+001F, U+007F to U+009F), unpaired surrogates, U+FFFE or U+FFFF, but received "b\\u0007".',
    ],
    [() => confusionMatrixSpec(Array.from({ length: 5000 }, () => []), []), 'Argument `matrix` must be a matrix of at most 4096 classes (one pixel each), but received "5000 rows".'],
  ])('rejects bad chart input %#', (call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('shrinks the default cells of a large confusion matrix to fit the plot limit', () => {
    const n = 200;
    const matrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 5 : 0)));
    const spec = confusionMatrixSpec(matrix, Array.from({ length: n }, (_, i) => `c${i}`)) as { width: number; height: number };
    expect([spec.width, spec.height]).toEqual([20 * n, 20 * n]);
    expect(spec.width).toBeLessThanOrEqual(CHART_LIMITS.maxPlotSide);
  });

  it('refuses to render a PNG beyond the pixel limits, before rendering', async () => {
    const spec = trainingHistorySpec(history, { width: 4096, height: 4096 });
    const svg = await chartToSvg(spec);
    const [width, height] = ['width', 'height'].map((name) => Number(new RegExp(`<svg[^>]* ${name}="(\\d+)"`).exec(svg)![1]));
    const started = performance.now();
    await expect(chartToPng(spec, 4)).rejects.toThrow(
      `Argument \`spec\` must be a chart that renders to at most 16384 pixels on a side and 67108864 pixels in all at scale 4, but received "a chart of ${width}x${height} pixels (${width! * 4}x${height! * 4} at scale 4)".`,
    );
    expect(performance.now() - started).toBeLessThan(5000);
    await expect(chartToPng(spec, 9)).rejects.toThrow('Argument `scale` must be a number above 0 and at most 8, but received 9.');
  });

  it('reports what resvg cannot read as a RendererError', async () => {
    // A spec made by hand escapes the checks of trainingHistorySpec; Vega passes the NUL through.
    const spec = { ...trainingHistorySpec(history), title: 'a\u0000b' };
    const error = await chartToPng(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RendererError);
    expect((error as Error).message).toMatch(/^resvg could not read the SVG document \(SVG data parsing failed .*a non-XML character '\\0' found at 1:\d+\)\.$/);
    // The renderer still works afterwards.
    expect(decodePng(await chartToPng(trainingHistorySpec(history))).width).toBeGreaterThan(500);
  });

  it('rejects a file extension it cannot write', async () => {
    await expect(saveChart(trainingHistorySpec(history), join(work, 'plot.jpg'))).rejects.toThrow(
      `Argument \`path\` must be a file path ending in .svg or .png, but received "${join(work, 'plot.jpg')}".`,
    );
  });
});
