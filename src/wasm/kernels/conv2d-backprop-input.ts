// Conv2DBackpropInput as a forward convolution: Winograd's for 3x3 filters, else XNNPACK's.
import { backend_util, Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdConv3x3, toNCHW, toNHWC, type Conv2DBackpropAttrs } from './convolution.js';
import type { KernelRunner } from './kernel-runner.js';
import { runStockKernel, withRunner, type KernelArgs } from './stock.js';

/**
 * dx of a 2-D convolution as a forward convolution of dy (zero-stuffed for strides above 1) with
 * the filter flipped in space and transposed in channels, padded so the output has x's size. Falls
 * back to the stock kernel when that would need negative padding.
 */
function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropAttrs & { inputShape: [number, number, number, number] };
  const shapeNHWC = (dataFormat === 'NCHW' ? toNHWC.map((i) => inputShape[i]!) : inputShape) as [number, number, number, number];
  const [kh, kw] = filter.shape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(shapeNHWC, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [, h, w] = shapeNHWC;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const stuffedH = (info.outHeight - 1) * sh + 1;
  const stuffedW = (info.outWidth - 1) * sw + 1;
  const padding = {
    top: kh - 1 - info.padInfo.top,
    left: kw - 1 - info.padInfo.left,
    bottom: h - stuffedH + info.padInfo.top,
    right: w - stuffedW + info.padInfo.left,
  };
  if (Object.values(padding).some((p) => p < 0)) return runStockKernel(Conv2DBackpropInput, args);
  return withRunner(backend, (r) => {
    let d = dataFormat === 'NCHW' ? r.transpose(dy, toNHWC) : dy;
    if (sh > 1 || sw > 1) d = zeroStuff(r, d, sh, sw, stuffedH, stuffedW);
    const flipped = r.transpose(r.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    const winograd = kh === 3 && kw === 3 ? simdConv3x3(backend, d, flipped, undefined, { top: padding.top, left: padding.left, oh: h, ow: w }, false) : undefined;
    const dx = winograd ? r.track(winograd) : r.run('Conv2D', { x: d, filter: flipped }, {
      strides: [1, 1],
      pad: [[0, 0], [padding.top, padding.bottom], [padding.left, padding.right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    });
    return dataFormat === 'NCHW' ? r.transpose(dx, toNCHW) : dx;
  });
}

/** Inserts stride - 1 zeros between the rows and columns of dy ([n, oh, ow, c]). */
function zeroStuff(r: KernelRunner, dy: TensorInfo, sh: number, sw: number, height: number, width: number): TensorInfo {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const spread = r.run('PadV2', { x: r.reshape(dy, [n, oh, 1, ow, 1, c]) }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return r.run('Slice', { x: r.reshape(spread, [n, oh * sh, ow * sw, c]) }, { begin: [0, 0, 0, 0], size: [n, height, width, c] });
}

/** Conv2DBackpropInput for the wasm backend. */
export const conv2DBackpropInputConfig: KernelConfig = { kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInput as unknown as KernelFunc };
