import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuseInputConvTraining } from '../src/architectures/input-conv-training.js';
import { INPUT_CONV_KERNEL } from '../src/kernel-names.js';
import { buildMiniVGGNet, KerasSGD } from '../src/index.js';
import { registerWasmTrainingKernels } from '../src/wasm/node.js';

beforeAll(() => {
  registerWasmTrainingKernels();
});

/** conv (reads the input) → conv with relu → flatten → dense softmax, seeded. */
function build(patched: boolean): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  model.add(tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }));
  model.compile({ optimizer: new KerasSGD({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
  if (patched) fuseInputConvTraining(model);
  return model;
}

const data = () => ({ xs: tf.randomUniform([6, 8, 8, 1], 0, 1, 'float32', 9), ys: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3) });

async function trainedWeights(patched: boolean): Promise<Float32Array[]> {
  const model = build(patched);
  const { xs, ys } = data();
  for (let step = 0; step < 3; step++) await model.trainOnBatch(xs, ys);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  (model.optimizer as KerasSGD).dispose();
  model.dispose();
  return weights;
}

describe('fuseInputConvTraining', () => {
  it("trains to exactly the weights of tfjs-layers' own Conv2D on wasm (same kernels, fewer of them)", async () => {
    await tf.setBackend('wasm');
    const reference = await trainedWeights(false);
    const actual = await trainedWeights(true);
    expect(actual).toEqual(reference);
  });

  it('skips the input gradient of the first convolution in a training step on wasm, and leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const kernels = async (patched: boolean) => {
      const model = build(patched);
      const { xs, ys } = data();
      await model.trainOnBatch(xs, ys);
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => model.trainOnBatch(xs, ys).then(() => tf.scalar(0)));
      expect(tf.memory().numTensors).toBe(before + 1);
      tf.dispose([profile.result as tf.Tensor, xs, ys]);
      (model.optimizer as KerasSGD).dispose();
      model.dispose();
      return profile.kernels.map((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`);
    };
    const inputGradients = (names: string[]) => names.filter((n) => n.startsWith('Conv2DBackpropInput'));
    expect(inputGradients(await kernels(false))).toHaveLength(2);
    const patched = await kernels(true);
    expect(patched.some((n) => n.startsWith(INPUT_CONV_KERNEL))).toBe(true);
    // Only the second layer's: its input comes from the first layer's weights.
    expect(inputGradients(patched)).toEqual(['Conv2DBackpropInput [[6,6,6,4],[3,3,4,4]]']);
  });

  it('still gives the input gradient when something asks for it', async () => {
    await tf.setBackend('wasm');
    const gradient = (patched: boolean) => {
      const layer = build(patched).layers[0]!;
      const { xs, ys } = data();
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)))(xs);
      const values = g.dataSync() as Float32Array;
      tf.dispose([g, xs, ys]);
      return values;
    };
    const reference = gradient(false);
    expect(reference.some((v) => v !== 0)).toBe(true);
    expect(gradient(true)).toEqual(reference);
  });

  it('runs the kernel only for the layer reading the model input, while training on wasm', async () => {
    const names = async (backend: 'cpu' | 'wasm', layerIndex: number, training: boolean) => {
      await tf.setBackend(backend);
      const model = build(true);
      const x = tf.zeros(layerIndex === 0 ? [2, 8, 8, 1] : [2, 8, 8, 4]);
      const profile = await tf.profile(() => model.layers[layerIndex]!.apply(x, { training }) as tf.Tensor);
      tf.dispose([x, profile.result as tf.Tensor]);
      model.dispose();
      return profile.kernelNames;
    };
    expect(await names('wasm', 0, true)).toContain(INPUT_CONV_KERNEL);
    expect(await names('wasm', 0, false)).not.toContain(INPUT_CONV_KERNEL);
    expect(await names('wasm', 1, true)).not.toContain(INPUT_CONV_KERNEL);
    expect(await names('cpu', 0, true)).not.toContain(INPUT_CONV_KERNEL);
  });

  it("wraps MiniVGGNet's convolutions (the kernel runs for the first only, decided per call), and saved models load unwrapped", async () => {
    await tf.setBackend('cpu');
    const model = buildMiniVGGNet();
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs.map((l) => l.call !== Object.getPrototypeOf(l).call)).toEqual([true, true, true, true]);
    const loaded = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    for (const l of loaded.layers) expect(l.call).toBe(Object.getPrototypeOf(l).call);
    model.dispose();
    loaded.dispose();
  });
});
