import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { InvalidArgumentError } from '../errors.js';
import { assertBoolean, assertInteger, assertSplit, type OptionNames, resolveOptions } from '../validate.js';
import { assertLabelsBelow, imagesToTensor, layoutFor, modelImageSpec, type ImageLayout } from '../datasets/tensors.js';

/** What {@link evaluateModel} measures on a split. */
export interface Evaluation {
  /** Mean categorical cross-entropy, as Keras computes it (probabilities clipped to [1e-7, 1 - 1e-7]). */
  loss: number;
  /** Fraction of images whose most probable class is the label. */
  accuracy: number;
  /** The predicted class of every image. */
  predictions: Uint8Array;
  /** The probability of every class for every image, `count * classes` values, row-major. */
  probabilities: Float32Array;
}

/** Options of {@link evaluateModel}. Every field is optional. */
export interface EvaluateOptions {
  /**
   * Images per forward pass.
   * @defaultValue 128
   */
  batchSize?: number;
  /**
   * Flip test-time augmentation: average the class probabilities of each image and of its mirror
   * image (left and right swapped). Fashion-MNIST's classes look the same mirrored, so a model
   * trained with flips (`augment: { flip: true }`) usually scores a little higher this way, at twice
   * the cost.
   * @defaultValue false
   */
  testTimeFlip?: boolean;
}

const EPSILON = 1e-7;

/** Images per forward pass of {@link evaluateModel} and of the validation in {@link trainFashionMnist}. */
export const EVALUATION_BATCH_SIZE = 128;

/** The defaults of {@link EvaluateOptions}. */
export const EVALUATE_DEFAULTS = /* @__PURE__ */ Object.freeze({ batchSize: EVALUATION_BATCH_SIZE, testTimeFlip: false });
const EVALUATE_OPTIONS: OptionNames<EvaluateOptions> = { batchSize: true, testTimeFlip: true };

/**
 * Runs the model over a split in batches (inference mode: dropout off, batch norm on its moving
 * statistics) and measures loss and accuracy as Keras' `evaluate` does, keeping the predictions.
 *
 * Works for any model {@link buildMiniVGGNet} builds: the layout (channelsLast or channelsFirst), the
 * image size and the class count are read from the model. Images of another size than the model's
 * input are resized (bilinear); a model with several input channels gets the grey level in each.
 *
 * @param model - A model taking a batch of images and returning one probability per class.
 * @param split - The images and labels to evaluate on.
 * @param options - Batch size and flip test-time augmentation; see {@link EvaluateOptions}.
 * @returns Loss, accuracy, predicted classes and probabilities.
 * @throws {@link InvalidArgumentError} for an empty or malformed split, a bad option, a model
 *   that does not take a batch of images or does not output one probability per class, or a label
 *   the model has no class for.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, evaluateModel, loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist/node';
 *
 * const { test } = await loadFashionMnist();
 * const { accuracy } = await evaluateModel(buildMiniVGGNet(), subsetSplit(test, 100));
 * ```
 */
export async function evaluateModel(model: LayersModel, split: FashionMnistSplit, options: EvaluateOptions = {}): Promise<Evaluation> {
  const { batchSize, testTimeFlip } = resolveOptions('options', options, EVALUATE_DEFAULTS, EVALUATE_OPTIONS);
  assertInteger('options.batchSize', batchSize);
  assertBoolean('options.testTimeFlip', testTimeFlip);
  assertSplit('split', split);
  const spec = modelImageSpec(model);
  assertLabelsBelow('split', split, spec.classes);
  const probabilities = await predictProbabilities(model, split, layoutFor(spec, split), spec.classes, batchSize, testTimeFlip);
  return scorePredictions(probabilities, split.labels, spec.classes);
}

/**
 * The model's class probabilities for every image of a split, `count * classes` values, computed in
 * batches; with `flip`, the mean of each image's and its mirror image's. The batch tensors are
 * disposed of even when the model throws.
 */
export async function predictProbabilities(model: LayersModel, split: FashionMnistSplit, layout: ImageLayout, classes: number, batchSize: number, flip = false): Promise<Float32Array> {
  const probabilities = new Float32Array(split.count * classes);
  const widthAxis = layout.dataFormat === 'channelsFirst' ? 3 : 2;
  for (let start = 0; start < split.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, split.count - start) }, (_, i) => start + i);
    const x = imagesToTensor(split, indices, layout);
    let y: tf.Tensor | undefined;
    try {
      // model.predict cuts its input into batches of 32 unless told otherwise; one call per batch of
      // `batchSize` is what makes a larger batch faster (about 1.6 times at 128 on the wasm backend).
      const predict = (images: tf.Tensor) => model.predict(images, { batchSize: indices.length }) as tf.Tensor;
      y = tf.tidy(() => {
        const direct = predict(x);
        return flip ? tf.mul(tf.add(direct, predict(tf.reverse(x, widthAxis))), 0.5) : direct;
      });
      probabilities.set(await y.data(), start * classes);
    } finally {
      tf.dispose(y === undefined ? x : [x, y]);
    }
    await tf.nextFrame();
  }
  return probabilities;
}

/** Loss, accuracy and argmax from probabilities and labels. */
export function scorePredictions(probabilities: Float32Array, labels: Uint8Array, classes: number): Evaluation {
  const predictions = new Uint8Array(labels.length);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    let best = 0;
    for (let c = 1; c < classes; c++) if (row[c]! > row[best]!) best = c;
    predictions[i] = best;
    if (best === labels[i]) correct++;
    loss -= Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, row[labels[i]!]!)));
  }
  return { loss: loss / labels.length, accuracy: correct / labels.length, predictions, probabilities };
}
