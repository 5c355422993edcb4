import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { assertInteger } from '../validate.js';
import { InvalidArgumentError } from '../errors.js';
import { imagesToTensor } from '../datasets/tensors.js';

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

const EPSILON = 1e-7;

/**
 * Runs the model over a split in batches (inference mode: dropout off, batch norm on its moving
 * statistics) and measures loss and accuracy as Keras' `evaluate` does, keeping the predictions.
 *
 * @param model - A model taking `[n, 28, 28, 1]` inputs and returning class probabilities.
 * @param split - The images and labels to evaluate on.
 * @param batchSize - Images per forward pass.
 * @returns Loss, accuracy, predicted classes and probabilities.
 * @throws {@link InvalidArgumentError} for an empty split or a bad batch size.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, evaluateModel, loadFashionMnist, subsetSplit } from 'tfjs-fashion-mnist';
 *
 * const { test } = await loadFashionMnist();
 * const { accuracy } = await evaluateModel(buildMiniVGGNet(), subsetSplit(test, 100));
 * ```
 */
export async function evaluateModel(model: LayersModel, split: FashionMnistSplit, batchSize = 128): Promise<Evaluation> {
  assertInteger('batchSize', batchSize);
  if (split.count === 0) throw new InvalidArgumentError('split', 'a split with at least one image', split.count);
  const classes = (model.outputs[0]?.shape.at(-1) as number | undefined) ?? 10;
  const probabilities = new Float32Array(split.count * classes);
  for (let start = 0; start < split.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, split.count - start) }, (_, i) => start + i);
    const x = imagesToTensor(split, indices);
    const y = model.predict(x) as tf.Tensor;
    probabilities.set(await y.data(), start * classes);
    tf.dispose([x, y]);
    await tf.nextFrame();
  }
  return scorePredictions(probabilities, split.labels, classes);
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
