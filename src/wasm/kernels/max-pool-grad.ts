// MaxPoolGrad in sequential passes over memory: the library's SIMD kernel for 2x2 pooling, else JavaScript.
import { backend_util, MaxPoolGrad, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { withOutputs, type WasmBackendData } from './kernel-runner.js';
import { runStockKernel, type KernelArgs } from './stock.js';

/**
 * MaxPoolGrad: routes each output gradient to the first maximum of its window (row-major order,
 * strictly greater wins, as the cpu backend does; ties are common after ReLU and batch norm). The
 * stock kernel took 31-39 ms per MiniVGGNet step (two pooling layers), this pass 10 ms: it walks the
 * channels innermost, so every read is sequential.
 */
function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { inputs, attrs } = args;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return runStockKernel(MaxPoolGrad, args);
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const backend = args.backend as unknown as WasmBackendData;
  const kernels = activeSimdKernels();
  const [dx] = withOutputs(backend, [input.shape], ([dxs]) => {
    const [xs, dys] = [backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy)];
    if (kernels && isDisjointPairs(info) && info.inChannels % 4 === 0) {
      kernels.maxPoolGradient2x2(xs, dys, { n: info.batchSize, h: info.inHeight, w: info.inWidth, c: info.inChannels }, dxs!);
    } else {
      routeMaxGradients(xs, dys, dxs!, info);
    }
  });
  return dx!;
}

/**
 * 2x2 windows with stride 2 and no padding on any side: MiniVGGNet's pooling, where windows do not
 * overlap and all lie inside x. ('same' padding of an odd size pads below or right: not this case.)
 */
function isDisjointPairs(info: backend_util.Conv2DInfo): boolean {
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, strideHeight, strideWidth, padInfo } = info;
  const unpadded = padInfo.top === 0 && padInfo.left === 0 && padInfo.bottom === 0 && padInfo.right === 0;
  return fh === 2 && fw === 2 && strideHeight === 2 && strideWidth === 2 && unpadded;
}

function routeMaxGradients(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth, padInfo } = info;
  dx.fill(0);
  if (isDisjointPairs(info)) {
    routeDisjointPairs(x, dy, dx, info);
    return;
  }
  const maxima = new Float32Array(channels);
  const positions = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rowStart = yR * strideHeight - padInfo.top;
      for (let yC = 0; yC < outWidth; yC++) {
        const columnStart = yC * strideWidth - padInfo.left;
        maxima.fill(Number.NEGATIVE_INFINITY);
        positions.fill(-1);
        for (let wR = 0; wR < effectiveFilterHeight; wR += dilationHeight) {
          const xR = rowStart + wR;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < effectiveFilterWidth; wC += dilationWidth) {
            const xC = columnStart + wC;
            if (xC < 0 || xC >= inWidth) continue;
            const base = ((b * inHeight + xR) * inWidth + xC) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[base + c]!;
              if (value > maxima[c]!) {
                maxima[c] = value;
                positions[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let c = 0; c < channels; c++) {
          const position = positions[c]!;
          if (position >= 0) dx[position] = dx[position]! + dy[dyBase + c]!;
        }
      }
    }
  }
}

/** The common 2x2, stride-2, unpadded pooling: windows do not overlap, so each gradient is written once. */
function routeDisjointPairs(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const rowStride = inWidth * channels;
  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const topLeft = ((b * inHeight + 2 * yR) * inWidth + 2 * yC) * channels;
        for (let c = 0; c < channels; c++, dyIndex++) {
          // Row-major window order and a strict comparison: the first maximum wins, as on cpu.
          const p0 = topLeft + c;
          const p1 = p0 + channels;
          const p2 = p0 + rowStride;
          const p3 = p2 + channels;
          let position = -1;
          let maximum = Number.NEGATIVE_INFINITY;
          if (x[p0]! > maximum) (maximum = x[p0]!), (position = p0);
          if (x[p1]! > maximum) (maximum = x[p1]!), (position = p1);
          if (x[p2]! > maximum) (maximum = x[p2]!), (position = p2);
          if (x[p3]! > maximum) position = p3;
          if (position >= 0) dx[position] = dy[dyIndex]!;
        }
      }
    }
  }
}

/** MaxPoolGrad for the wasm backend. */
export const maxPoolGradConfig: KernelConfig = { kernelName: MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as KernelFunc };
