// How the training-time layer switches (batch-norm-training.ts, dropout-training.ts,
// input-conv-training.ts) patch a model's layers: per instance, so the class, and what saved models
// name it, stays tfjs-layers' own. training-patches.ts applies them all.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** A layer whose `call` {@link patchTrainingCall} can replace. */
export interface PatchableLayer {
  getClassName(): string;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
  fusedTraining?: true;
}

/**
 * Replaces `call` of every `className` layer of `model` with one that returns `fused(...)` when
 * that gives a tensor, else runs the layer's own `call`. Idempotent.
 */
export function patchTrainingCall<L extends PatchableLayer>(model: LayersModel, className: string, fused: (layer: L, input: Tensor) => Tensor | undefined): void {
  for (const layer of model.layers as unknown as L[]) {
    if (layer.getClassName() !== className || layer.fusedTraining) continue;
    const inherited = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => {
      const input = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
      const training = kwargs['training'] === true && input !== undefined && input.dtype === 'float32';
      return (training ? fused(layer, input) : undefined) ?? inherited(inputs, kwargs);
    };
    layer.fusedTraining = true;
  }
}
