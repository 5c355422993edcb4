import { initializers as initializers_, layers, sequential, type Sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { applyTrainingPatches } from './training-patches.js';
import { assertInteger, assertObject, assertOneOf, type OptionNames, resolveOptions } from '../validate.js';
import { DATA_FORMATS, type DataFormat } from '../types.js';

/** Options of {@link buildMiniVGGNet}. Every field is optional; the defaults build the Fashion-MNIST model. */
export interface MiniVGGNetOptions {
  /**
   * Width of the input images in pixels. At least 4, so that two 2x2 poolings leave a pixel.
   * @defaultValue 28
   */
  width?: number;
  /**
   * Height of the input images in pixels. At least 4.
   * @defaultValue 28
   */
  height?: number;
  /**
   * Number of channels: 1 for grayscale, 3 for RGB.
   * @defaultValue 1
   */
  depth?: number;
  /**
   * Number of output classes (units of the softmax head).
   * @defaultValue 10
   */
  classes?: number;
  /**
   * Layout of the input tensor: `'channelsLast'` is `[batch, height, width, depth]` (the Keras and
   * TensorFlow.js default), `'channelsFirst'` is `[batch, depth, height, width]`.
   * @defaultValue 'channelsLast'
   */
  dataFormat?: DataFormat;
  /**
   * Seeds the weight initialisers (Glorot uniform, as in Keras), so the same seed builds the same
   * initial weights.
   * @defaultValue undefined: random initial weights
   */
  seed?: number;
}

/** The defaults of {@link MiniVGGNetOptions}: Fashion-MNIST's 28x28 grayscale images and ten classes. */
export const MINI_VGG_NET_DEFAULTS: Readonly<Required<Omit<MiniVGGNetOptions, 'seed'>>> = /* @__PURE__ */ Object.freeze({
  width: 28,
  height: 28,
  depth: 1,
  classes: 10,
  dataFormat: 'channelsLast',
});

const MINI_VGG_NET_OPTIONS: OptionNames<MiniVGGNetOptions> = { width: true, height: true, depth: true, classes: true, dataFormat: true, seed: true };

/** Two 2x2 max-poolings halve each side twice, so anything below 4 pixels would vanish. */
const MIN_SIDE = 4;

/**
 * Builds MiniVGGNet, the small VGG-style network of the Keras Fashion-MNIST tutorial, layer for
 * layer: (CONV 3x3 32 → RELU → BN) ×2 → POOL 2x2 → DROPOUT 0.25, the same with 64 filters, then
 * FLATTEN → DENSE 512 → RELU → BN → DROPOUT 0.5 → DENSE classes → SOFTMAX.
 *
 * Convolutions use 'same' padding; batch normalisation works on the channel axis (-1 for
 * channelsLast, 1 for channelsFirst). For 28x28x1 inputs and 10 classes the model has 1,679,082
 * parameters, 1,677,674 of them trainable, exactly as Keras reports. The model is returned
 * uncompiled, so you choose the optimizer (see the README for the tutorial's SGD with decay).
 *
 * Its batch-norm layers are tfjs-layers' own (saved models name them `BatchNormalization` and load
 * anywhere), but when they train on a backend set up by `useWasmBackend` they run their training
 * pass through one fused kernel of this library: the same arithmetic, fewer passes over memory.
 *
 * @param options - Input size, number of classes and data format; see {@link MiniVGGNetOptions}.
 * @returns An uncompiled `tf.Sequential` whose output is a softmax over `classes`.
 * @throws {@link InvalidArgumentError} when a size is not a positive integer, a side is smaller than
 *   4 pixels, or `dataFormat` is unknown.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet } from 'tfjs-fashion-mnist';
 *
 * const model = buildMiniVGGNet({ width: 28, height: 28, depth: 1, classes: 10 });
 * model.summary(); // Total params: 1,679,082
 * ```
 */
export function buildMiniVGGNet(options: MiniVGGNetOptions = {}): Sequential {
  const { width, height, depth, classes, dataFormat, seed } = resolveMiniVGGNetOptions(options);
  let initializers = 0;
  // Each layer gets its own seed, derived from the one given, so layers do not share weights.
  const kernelInitializer = () => (seed === undefined ? {} : { kernelInitializer: initializers_.glorotUniform({ seed: seed * 1000 + initializers++ }) });
  const channelsLast = dataFormat === 'channelsLast';
  const inputShape = channelsLast ? [height, width, depth] : [depth, height, width];
  const channelAxis = channelsLast ? -1 : 1;

  const model = sequential();
  const convBlock = (filters: number, first: boolean): void => {
    model.add(
      layers.conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        dataFormat,
        ...kernelInitializer(),
        ...(first ? { inputShape } : {}),
      }),
    );
    model.add(layers.activation({ activation: 'relu' }));
    model.add(layers.batchNormalization({ axis: channelAxis }));
  };

  for (const filters of [32, 64]) {
    convBlock(filters, filters === 32);
    convBlock(filters, false);
    model.add(layers.maxPooling2d({ poolSize: 2, dataFormat }));
    model.add(layers.dropout({ rate: 0.25 }));
  }

  model.add(layers.flatten());
  model.add(layers.dense({ units: 512, ...kernelInitializer() }));
  model.add(layers.activation({ activation: 'relu' }));
  model.add(layers.batchNormalization());
  model.add(layers.dropout({ rate: 0.5 }));
  model.add(layers.dense({ units: classes, ...kernelInitializer() }));
  model.add(layers.activation({ activation: 'softmax' }));
  applyTrainingPatches(model);
  return model;
}

function resolveMiniVGGNetOptions(options: MiniVGGNetOptions): Required<Omit<MiniVGGNetOptions, 'seed'>> & { seed: number | undefined } {
  assertObject('options', options, 'an object such as { width: 28, height: 28, depth: 1, classes: 10 }');
  const resolved = resolveOptions('options', options, MINI_VGG_NET_DEFAULTS, MINI_VGG_NET_OPTIONS);
  for (const side of ['width', 'height'] as const) {
    assertInteger(`options.${side}`, resolved[side], { min: MIN_SIDE, note: 'pixels, so that two 2x2 max-poolings leave at least one pixel' });
  }
  assertInteger('options.depth', resolved.depth);
  assertInteger('options.classes', resolved.classes);
  assertOneOf('options.dataFormat', resolved.dataFormat, DATA_FORMATS);
  if (resolved.seed !== undefined) assertInteger('options.seed', resolved.seed, 0);
  return { ...resolved, seed: resolved.seed };
}
