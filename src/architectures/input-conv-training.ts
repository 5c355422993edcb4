// The first convolution's training pass without its unneeded input gradient, where the active
// backend registers INPUT_CONV_KERNEL. tfjs-layers runs Conv2D through tf.fused.conv2d, whose
// gradient computes dx, dW and the bias gradient together even when x is the model's input and
// nothing asks for dx (MiniVGGNet's first layer: 3.9 ms of a 200 ms wasm step). The kernel is the
// same fused convolution with a registered gradient, whose parts tfjs' engine runs only if needed.
import { engine, getKernel, type Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { INPUT_CONV_KERNEL } from '../kernel-names.js';
import { patchTrainingCall, type PatchableLayer } from './patch-training-call.js';

/** The parts of tfjs-layers' Conv2D this reads. */
interface ConvLayer extends PatchableLayer {
  kernel: { read(): Tensor };
  bias: { read(): Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: { getClassName(): string };
  inboundNodes: Array<{ inboundLayers: Array<{ getClassName(): string }> }>;
}

/**
 * Lets the Conv2D layers of `model` that read the model's input (channels last, with a bias, no
 * activation of their own, no dilation) train through {@link INPUT_CONV_KERNEL} when the active
 * backend has it. Other layers, inference and layers used more than once run tfjs-layers' own code.
 * Idempotent; the class is untouched.
 */
export function fuseInputConvTraining(model: LayersModel): void {
  patchTrainingCall<ConvLayer>(model, 'Conv2D', trainFused);
}

function trainFused(layer: ConvLayer, input: Tensor): Tensor | undefined {
  const readsModelInput = layer.inboundNodes.length === 1 && layer.inboundNodes[0]!.inboundLayers.every((l) => l.getClassName() === 'InputLayer');
  const plain = layer.dataFormat === 'channelsLast' && layer.activation.getClassName() === 'linear' && [layer.dilationRate].flat().every((d) => d === 1);
  if (!readsModelInput || !plain || !layer.bias || input.rank !== 4 || !getKernel(INPUT_CONV_KERNEL, engine().backendName)) return undefined;
  const inputs = { x: input, filter: layer.kernel.read(), bias: layer.bias.read() };
  return engine().runKernel(INPUT_CONV_KERNEL, inputs, { strides: layer.strides, pad: layer.padding }) as Tensor;
}
