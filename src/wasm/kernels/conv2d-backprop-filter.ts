// Conv2DBackpropFilter, which the stock wasm backend lacks: by the library's SIMD kernels, else as an
// XNNPACK convolution.
import { backend_util, Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { SimdKernels } from '../simd/kernels.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { toNHWC, type Conv2DBackpropAttrs } from './convolution.js';
import { withOutputs, type KernelRunner, type WasmBackendData } from './kernel-runner.js';
import { withRunner, type KernelArgs } from './stock.js';

/**
 * dW of a 2-D convolution as a forward convolution, so XNNPACK does the work: with the batch moved
 * into the channels, dW[kh, kw, ci, co] = sum over n, y, x of x[n, y*s + kh, x*s + kw, ci] *
 * dy[n, y, x, co] is a 'valid' convolution of x (as [ci, h, w, n]) by dy (as [oh, ow, n, co]) with
 * dilation equal to the stride, giving [ci, kh, kw, co]. (Splitting large batches into chunks was
 * measured and made it slower; per-tap matrix products were 2.4 times slower; one im2col matrix
 * product 4 to 7 times slower; the mirrored form with x as the filter, which packs less for
 * 1-channel inputs, no faster.)
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropAttrs & { filterShape: [number, number, number, number] };
  return withRunner(backend, (r) => {
    const xh = dataFormat === 'NCHW' ? r.transpose(x, toNHWC) : x;
    const dyh = dataFormat === 'NCHW' ? r.transpose(dy, toNHWC) : dy;
    const info = backend_util.computeConv2DInfo(xh.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    return simdFilterGradient(backend as unknown as WasmBackendData, xh, dyh, info, filterShape) ?? filterGradient(r, xh, dyh, info, filterShape);
  });
}

/**
 * dW through the library's own SIMD kernel (src/wasm/simd/kernels.ts) when {@link useWasmBackend}
 * has loaded it and the case is one it handles (stride 1, float32, output channels in fours; by
 * Winograd's F(3x3, 2x2) for 3x3 filters with input channels in fours too); undefined otherwise, for
 * the XNNPACK formulation below.
 */
function simdFilterGradient(backend: WasmBackendData, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, filterShape: [number, number, number, number]): TensorInfo | undefined {
  const kernels = activeSimdKernels();
  if (!kernels || x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [kh, kw, , co] = filterShape;
  const shape = { n, h, w, ci, oh: info.outHeight, ow: info.outWidth, co, kh, kw, top: info.padInfo.top, left: info.padInfo.left };
  if (!SimdKernels.supports(shape, [info.strideHeight, info.strideWidth])) return undefined;
  const read = (t: TensorInfo) => backend.typedArrayFromHeap(t);
  // 3x3 with channels in fours: Winograd's F(3x3, 2x2), 2.25 times fewer multiply-adds.
  const winograd = kh === 3 && kw === 3 && SimdKernels.supportsFilterGradient3x3(shape);
  const [dw] = withOutputs(backend, [filterShape], ([out]) => (winograd ? kernels.filterGradient3x3(read(x), read(dy), shape, out!) : kernels.filterGradient(read(x), read(dy), shape, out!)));
  return dw!;
}

function filterGradient(r: KernelRunner, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, filterShape: [number, number, number, number]): TensorInfo {
  const [kh, kw, ci, co] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  let xT = r.transpose(x, [3, 1, 2, 0]);
  if (top || bottom || left || right) {
    xT = r.run('PadV2', { x: xT }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
  }
  const dyT = r.transpose(dy, [1, 2, 0, 3]);
  let w = r.run('Conv2D', { x: xT, filter: dyT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] });
  if (w.shape[1] !== kh || w.shape[2] !== kw) w = r.run('Slice', { x: w }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  return r.transpose(w, [1, 2, 0, 3]);
}

/** Conv2DBackpropFilter for the wasm backend. */
export const conv2DBackpropFilterConfig: KernelConfig = { kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as KernelFunc };
