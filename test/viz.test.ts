import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMontage,
  chartToPng,
  chartToSvg,
  confusionMatrixSpec,
  decodeImage,
  decodePng,
  encodePng,
  InvalidArgumentError,
  saveChart,
  savePng,
  trainingHistorySpec,
  type RgbImage,
} from '../src/node.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-viz-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

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
    [() => buildMontage(flatSplit(2), [0, 96], [4, 4]), 'Argument `imageShape[0] (width)` must be a positive integer, but received 0.'],
    [() => buildMontage(flatSplit(2), [96, 96], [4] as never), 'Argument `montageShape` must be a pair [columns, rows] of positive integers, but received [4].'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['one'] }), 'Argument `options.captions` must be an array of 2 strings, one per image, but received ["one"].'],
    [() => buildMontage(flatSplit(2), [96, 96], [4, 4], { captions: ['a', 'b'], captionColors: ['red'] }), 'Argument `options.captionColors` must be a CSS colour or an array of 2 colours, one per image, but received ["red"].'],
    [() => buildMontage([tf.zeros([2, 2, 2])], [8, 8], [1, 1]), 'Argument `images[0]` must be an image tensor of shape [height, width], [height, width, 1] or [height, width, 3], but received a tensor of shape [2, 2, 2].'],
    [() => buildMontage(tf.zeros([2, 8, 8]) as never, [8, 8], [1, 1]), 'Argument `images` must be an image tensor of shape [n, height, width, 1 or 3], but received a tensor of shape [2, 8, 8].'],
    [() => buildMontage({ ...flatSplit(2), count: 3 }, [8, 8], [1, 1]), 'Argument `images.images` must be a Uint8Array of count * height * width = 2352 bytes, but received Uint8Array of length 1568.'],
  ])('rejects bad input %#', async (call, message) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });

  it('decodes PNG and JPEG files by their signature', () => {
    const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
    expect(decodeImage(encodePng(image))).toEqual(image);
    const rgba = new Uint8Array(16 * 16 * 4).fill(200);
    const decoded = decodeImage(new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 95).data));
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([16, 16, 16 * 16 * 3]);
    expect(Math.abs(decoded.data[100]! - 200)).toBeLessThanOrEqual(2);
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]))).toThrow('The file is neither a PNG nor a JPEG image (unknown signature).');
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
  ])('rejects bad chart input %#', (call, message) => {
    expect(call).toThrow(message);
  });

  it('rejects a file extension it cannot write', async () => {
    await expect(saveChart(trainingHistorySpec(history), join(work, 'plot.jpg'))).rejects.toThrow(
      `Argument \`path\` must be a file path ending in .svg or .png, but received "${join(work, 'plot.jpg')}".`,
    );
  });
});
