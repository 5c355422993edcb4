// Every training-time layer switch of the library, applied in one place.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { fuseBatchNormTraining } from './batch-norm-training.js';
import { fuseDropoutTraining } from './dropout-training.js';
import { fuseInputConvTraining } from './input-conv-training.js';

/**
 * Lets the layers of `model` train through the library's kernels where the active backend registers
 * them (on wasm after `useWasmBackend`): batch normalisation's training pass as one kernel, dropout's
 * mask from one kernel, and a first convolution without its unneeded input gradient. Inference,
 * other backends and other layers run tfjs-layers' own code; the classes are untouched, so saved
 * models load anywhere. Idempotent. {@link buildMiniVGGNet} applies it to the models it builds, and
 * {@link trainFashionMnist} to the models it trains (models loaded from files have tfjs-layers'
 * plain layers).
 */
export function applyTrainingPatches(model: LayersModel): void {
  fuseBatchNormTraining(model);
  fuseDropoutTraining(model);
  fuseInputConvTraining(model);
}
