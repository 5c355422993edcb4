// What the library's convolution kernels share: their attributes, the layout permutations, and the
// 3x3 stride-1 convolution through the library's Winograd kernel.
import type { backend_util, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { SimdKernels } from '../simd/kernels.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { withOutputs, type WasmBackendData } from './kernel-runner.js';

/** The attributes of tfjs' convolution gradient kernels. */
export type Conv2DBackpropAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** Permutations from NCHW to NHWC and back. */
export const toNHWC = [0, 2, 3, 1];
export const toNCHW = [0, 3, 1, 2];

/**
 * A 3x3 stride-1 convolution of NHWC float32 x by a [3, 3, ci, co] filter through the library's
 * Winograd kernel (native/winograd.c, 2.25 times fewer multiply-adds than XNNPACK's direct
 * convolution), when the SIMD kernels are loaded and the case is one it handles; undefined otherwise.
 * `top`/`left`: zeros before x; `oh`/`ow`: the output's size.
 */
export function simdConv3x3(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, at: { top: number; left: number; oh: number; ow: number }, relu: boolean): TensorInfo | undefined {
  const kernels = activeSimdKernels();
  if (!kernels || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [kh, kw, fi, co] = filter.shape as [number, number, number, number];
  const shape = { n, h, w, ci, co, ...at };
  const biasFits = !bias || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === co);
  if (kh !== 3 || kw !== 3 || fi !== ci || !biasFits || !SimdKernels.supportsConv3x3(shape)) return undefined;
  const heap = backend as unknown as WasmBackendData;
  const read = (t: TensorInfo) => heap.typedArrayFromHeap(t);
  return withOutputs(heap, [[n, at.oh, at.ow, co]], ([y]) => kernels.conv3x3(read(x), read(filter), bias && read(bias), shape, relu, y!))[0];
}
