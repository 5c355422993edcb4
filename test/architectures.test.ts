import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTrainingPatches } from '../src/architectures/training-patches.js';
import { buildMiniVGGNet, InvalidArgumentError } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function layerSummary(model: ReturnType<typeof buildMiniVGGNet>): string[] {
  return model.layers.map((layer) => {
    const config = layer.getConfig();
    switch (layer.getClassName()) {
      case 'Conv2D':
        return `Conv2D(${config.filters},${JSON.stringify(config.kernelSize)},${config.padding},${config.dataFormat})`;
      case 'Activation':
        return `Activation(${config.activation})`;
      case 'BatchNormalization':
        return `BN(${config.axis})`;
      case 'MaxPooling2D':
        return `MaxPool(${JSON.stringify(config.poolSize)},${JSON.stringify(config.strides)},${config.padding})`;
      case 'Dropout':
        return `Dropout(${config.rate})`;
      case 'Dense':
        return `Dense(${config.units},${config.activation})`;
      default:
        return layer.getClassName();
    }
  });
}

describe('buildMiniVGGNet', () => {
  it('has the Keras parameter counts for 28x28x1 and 10 classes', () => {
    const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
    expect(model.countParams()).toBe(1_679_082);
    const trainable = model.trainableWeights.reduce((sum, w) => sum + tf.util.sizeFromShape(w.shape as number[]), 0);
    expect(trainable).toBe(1_677_674);
    model.dispose();
  });

  it('has the tutorial layer sequence and configs', () => {
    const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
    const block = (f: number, axis: number, fmt: string) => [
      `Conv2D(${f},[3,3],same,${fmt})`, 'Activation(relu)', `BN(${axis})`,
      `Conv2D(${f},[3,3],same,${fmt})`, 'Activation(relu)', `BN(${axis})`,
      'MaxPool([2,2],[2,2],valid)', 'Dropout(0.25)',
    ];
    expect(layerSummary(model)).toEqual([
      ...block(32, -1, 'channelsLast'),
      ...block(64, -1, 'channelsLast'),
      'Flatten', 'Dense(512,linear)', 'Activation(relu)', 'BN(-1)', 'Dropout(0.5)',
      'Dense(10,linear)', 'Activation(softmax)',
    ]);
    expect(model.inputs[0]?.shape).toEqual([null, 28, 28, 1]);
    expect(model.outputs[0]?.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('normalises on axis 1 and takes [depth, height, width] input for channelsFirst', () => {
    const model = buildMiniVGGNet({ width: 32, height: 24, depth: 3, classes: 4, dataFormat: 'channelsFirst' });
    const summary = layerSummary(model);
    expect(summary[0]).toBe('Conv2D(32,[3,3],same,channelsFirst)');
    expect(summary[2]).toBe('BN(1)');
    expect(summary[19]).toBe('BN(-1)');
    expect(model.inputs[0]?.shape).toEqual([null, 3, 24, 32]);
    expect(model.outputs[0]?.shape).toEqual([null, 4]);
    model.dispose();
  });

  it('defaults to the Fashion-MNIST shape', () => {
    const model = buildMiniVGGNet();
    expect(model.inputs[0]?.shape).toEqual([null, 28, 28, 1]);
    expect(model.countParams()).toBe(1_679_082);
    model.dispose();
  });

  it('predicts rows that are probability distributions on the cpu backend', () => {
    const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([3, 10]);
    const sums = tf.tidy(() => tf.sum(y, 1).arraySync() as number[]);
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(Math.min(...(y.dataSync() as Float32Array))).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('leaves no tensors behind once the model is disposed', () => {
    const before = tf.memory().numTensors;
    const model = buildMiniVGGNet();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('works for the smallest side that survives two poolings', () => {
    const model = buildMiniVGGNet({ width: 4, height: 4, depth: 1, classes: 2 });
    expect(model.outputs[0]?.shape).toEqual([null, 2]);
    model.dispose();
  });

  it.each([
    [{ width: 0 }, 'Argument `options.width` must be an integer of at least 4 (pixels, so that two 2x2 max-poolings leave at least one pixel), but received 0.'],
    [{ height: 27.5 }, 'Argument `options.height` must be an integer of at least 4 (pixels, so that two 2x2 max-poolings leave at least one pixel), but received 27.5.'],
    [{ width: 3 }, 'Argument `options.width` must be an integer of at least 4 (pixels, so that two 2x2 max-poolings leave at least one pixel), but received 3.'],
    [{ depth: -1 }, 'Argument `options.depth` must be a positive integer, but received -1.'],
    [{ classes: '10' }, 'Argument `options.classes` must be a positive integer, but received "10".'],
    [{ dataFormat: 'NHWC' }, "Argument `options.dataFormat` must be one of \"channelsLast\" or \"channelsFirst\", but received \"NHWC\"."],
  ])('rejects %j with a clear error', (bad, message) => {
    const before = tf.memory().numTensors;
    expect(() => buildMiniVGGNet(bad as never)).toThrow(InvalidArgumentError);
    expect(() => buildMiniVGGNet(bad as never)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a non-object', () => {
    expect(() => buildMiniVGGNet(28 as never)).toThrow(
      'Argument `options` must be an object such as { width: 28, height: 28, depth: 1, classes: 10 }, but received 28.',
    );
  });
});

describe('applyTrainingPatches', () => {
  const patchedClasses = ['BatchNormalization', 'Dropout', 'Conv2D'];
  const isPatchable = (layer: tfl.layers.Layer) => patchedClasses.includes(layer.getClassName());

  it('patches the batch-norm, dropout and convolution layers of a loaded model once, as buildMiniVGGNet does', async () => {
    const built = buildMiniVGGNet();
    const loaded = await tfl.models.modelFromJSON({ modelTopology: built.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    const targets = loaded.layers.filter(isPatchable);
    expect(targets.map((l) => l.getClassName()).sort()).toEqual(built.layers.filter(isPatchable).map((l) => l.getClassName()).sort());
    expect(targets).toHaveLength(12);
    for (const layer of targets) expect(layer.call).toBe(Object.getPrototypeOf(layer).call);
    applyTrainingPatches(loaded);
    const patched = targets.map((layer) => layer.call);
    for (const [i, layer] of targets.entries()) expect(patched[i]).not.toBe(Object.getPrototypeOf(layer).call);
    applyTrainingPatches(loaded);
    expect(targets.map((layer) => layer.call)).toEqual(patched);
    for (const layer of loaded.layers.filter((l) => !isPatchable(l))) expect(layer.call).toBe(Object.getPrototypeOf(layer).call);
    built.dispose();
    loaded.dispose();
  });
});
