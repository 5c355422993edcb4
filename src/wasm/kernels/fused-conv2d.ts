// FusedConv2D: 3x3 stride-1 convolutions by the library's Winograd kernel, the rest by the stock kernel.
import { backend_util, FusedConv2D, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdConv3x3, type Conv2DBackpropAttrs } from './convolution.js';
import { runStockKernel, type KernelArgs } from './stock.js';

type FusedConv2DAttrs = Conv2DBackpropAttrs & { dilations: [number, number] | number; activation: string };

/**
 * FusedConv2D through {@link simdConv3x3} for 3x3 stride-1 NHWC convolutions with a per-channel bias
 * (or none) and no activation or ReLU (MiniVGGNet's layers after the first); the stock kernel
 * (XNNPACK) for everything else.
 */
function fusedConv2D(args: KernelArgs): TensorInfo {
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<'x' | 'filter', TensorInfo> & Partial<Record<'bias' | 'preluActivationWeights', TensorInfo>>;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = args.attrs as unknown as FusedConv2DAttrs;
  const plain = dataFormat === 'NHWC' && (activation === 'linear' || activation === 'relu') && !preluActivationWeights && x.shape.length === 4 && filter.shape.length === 4;
  const unit = (v: [number, number] | number) => [v].flat().every((d) => d === 1);
  if (plain && unit(strides) && unit(dilations)) {
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
    const at = { top: info.padInfo.top, left: info.padInfo.left, oh: info.outHeight, ow: info.outWidth };
    const y = simdConv3x3(args.backend, x, filter, bias, at, activation === 'relu');
    if (y) return y;
  }
  return runStockKernel(FusedConv2D, args);
}

/** FusedConv2D for the wasm backend. */
export const fusedConv2DConfig: KernelConfig = { kernelName: FusedConv2D, backendName: 'wasm', kernelFunc: fusedConv2D as unknown as KernelFunc };
