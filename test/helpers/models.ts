// Small deterministic data and models shared by the training and model-file tests.
import * as tfl from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../../src/index.js';

/** n 28x28 images whose class (0, 1 or 2) is written as a bright band at a class-specific row. */
export function bandSplit(n: number, offset = 0): FashionMnistSplit {
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = (i + offset) % 3;
    labels[i] = label;
    const row = 4 + label * 8 + ((i * 7) % 4);
    images.fill(200 + (i % 50), i * 784 + row * 28, i * 784 + (row + 2) * 28);
  }
  return { images, labels, count: n, height: 28, width: 28 };
}

/** A small deterministic network (no dropout), fast enough for tests. */
export function smallModel(seed = 1): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  model.add(tfl.layers.batchNormalization({ axis: -1 }));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

export async function weightsOf(model: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}


/** Options of {@link miniVggLike}: the MiniVGGNet knobs that change how data must be fed. */
export interface MiniVggLikeOptions {
  dataFormat?: 'channelsLast' | 'channelsFirst';
  classes?: number;
  depth?: number;
  height?: number;
  width?: number;
}

/**
 * A MiniVGGNet in miniature: conv 3x3 'same' → ReLU → batch norm on the channel axis → 2x2 max-pool
 * → flatten → dense softmax, with MiniVGGNet's options for layout, size, depth and classes.
 */
export function miniVggLike(seed = 1, options: MiniVggLikeOptions = {}): tfl.Sequential {
  const { dataFormat = 'channelsLast', classes = 10, depth = 1, height = 28, width = 28 } = options;
  const inputShape = dataFormat === 'channelsLast' ? [height, width, depth] : [depth, height, width];
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, padding: 'same', dataFormat, kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.batchNormalization({ axis: dataFormat === 'channelsLast' ? -1 : 1 }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, dataFormat }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

/** A model that takes flat 784-value vectors, not images: the library must refuse it clearly. */
export function flatModel(): tfl.Sequential {
  return tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 10, activation: 'softmax' })] });
}

/** A layer that fails when run, to test the error paths of the loops. */
class FailingLayer extends tfl.layers.Layer {
  static readonly className = 'FailingLayer';
  override call(): never {
    throw new Error('FailingLayer was called');
  }
}

/** An image model whose forward pass throws. */
export function failingModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape: [28, 28, 1] }));
  model.add(new FailingLayer({}));
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}
