import {
  backend_util,
  engine,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../errors.js';
import { BATCH_NORM_TRAINING_GRADIENT_KERNEL, BATCH_NORM_TRAINING_KERNEL, DROPOUT_MASK_KERNEL, INPUT_CONV_KERNEL, RELU_GRADIENT_KERNEL, SGD_MOMENTUM_KERNEL } from '../kernel-names.js';
import { batchNormTraining, batchNormTrainingGradient, registerBatchNormTrainingGradient } from './batch-norm-training.js';
import { registerBatchNormGradient, registerReductionGradients } from './gradients.js';
import { KernelRunner, withOutputs, type WasmBackendData } from './kernel-runner.js';
import { type DenseShape, SimdKernels } from './simd/kernels.js';
import { activeSimdKernels } from './simd/lifecycle.js';
import { dropoutMask } from './dropout-mask.js';
import { inputConv, registerInputConvGradient } from './input-conv.js';
import { registerReluGradient, reluGradient } from './relu-gradient.js';
import { sgdMomentum } from './sgd-momentum.js';

const BACKEND = 'wasm';
type StockKernel = (args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }) => TensorInfo | TensorInfo[];
/** The wasm backend's own kernels that ours replace, kept for the cases ours hand back to them. */
const stock = new Map<string, StockKernel>();
let registered = false;

function runner(backend: KernelBackend): KernelRunner {
  return new KernelRunner(backend, BACKEND, stock);
}

function withRunner(backend: KernelBackend, body: (r: KernelRunner) => TensorInfo): TensorInfo {
  const r = runner(backend);
  try {
    return r.keep(body(r));
  } finally {
    r.release();
  }
}

type Conv2DBackpropAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};


const toNHWC = [0, 2, 3, 1];
const toNCHW = [0, 3, 1, 2];

/**
 * dW of a 2-D convolution as a forward convolution, so XNNPACK does the work: with the batch moved
 * into the channels, dW[kh, kw, ci, co] = sum over n, y, x of x[n, y*s + kh, x*s + kw, ci] *
 * dy[n, y, x, co] is a 'valid' convolution of x (as [ci, h, w, n]) by dy (as [oh, ow, n, co]) with
 * dilation equal to the stride, giving [ci, kh, kw, co]. (Splitting large batches into chunks was
 * measured and made it slower; per-tap matrix products were 2.4 times slower; one im2col matrix
 * product 4 to 7 times slower; the mirrored form with x as the filter, which packs less for
 * 1-channel inputs, no faster.)
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
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
 * dW through the library's own SIMD kernel (src/wasm/simd-kernels.ts) when {@link useWasmBackend}
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

/**
 * dx of a 2-D convolution as a forward convolution of dy (zero-stuffed for strides above 1) with
 * the filter flipped in space and transposed in channels, padded so the output has x's size. Falls
 * back to the stock kernel when that would need negative padding.
 */
function conv2DBackpropInput(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
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
  if (Object.values(padding).some((p) => p < 0)) return stock.get('Conv2DBackpropInput')!(args) as TensorInfo;
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

/**
 * A 3x3 stride-1 convolution of NHWC float32 x by a [3, 3, ci, co] filter through the library's
 * Winograd kernel (native/winograd.c, 2.25 times fewer multiply-adds than XNNPACK's direct
 * convolution), when the SIMD kernels are loaded and the case is one it handles; undefined otherwise.
 * `top`/`left`: zeros before x; `oh`/`ow`: the output's size.
 */
function simdConv3x3(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, at: { top: number; left: number; oh: number; ow: number }, relu: boolean): TensorInfo | undefined {
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

type FusedConv2DAttrs = Conv2DBackpropAttrs & { dilations: [number, number] | number; activation: string };

/**
 * FusedConv2D through {@link simdConv3x3} for 3x3 stride-1 NHWC convolutions with a per-channel bias
 * (or none) and no activation or ReLU (MiniVGGNet's layers after the first); the stock kernel
 * (XNNPACK) for everything else.
 */
function fusedConv2D(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
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
  return stock.get('FusedConv2D')!(args) as TensorInfo;
}

/** Inserts stride - 1 zeros between the rows and columns of dy ([n, oh, ow, c]). */
function zeroStuff(r: KernelRunner, dy: TensorInfo, sh: number, sw: number, height: number, width: number): TensorInfo {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const spread = r.run('PadV2', { x: r.reshape(dy, [n, oh, 1, ow, 1, c]) }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return r.run('Slice', { x: r.reshape(spread, [n, oh * sh, ow * sw, c]) }, { begin: [0, 0, 0, 0], size: [n, height, width, c] });
}

/**
 * Right-hand operands XNNPACK has already packed and cached (the stock kernels key that cache by
 * tensor): multiplying by them again costs no packing.
 */
const packedOperands = new WeakSet<object>();
/** Packing an operand for XNNPACK costs about this many element transposes (measured: 38 ms vs 8 ms for 3136x512). */
const PACK_COST = 4;

/**
 * A matrix product through the stock kernel's fast path (no transposes), choosing between computing
 * op(a)·op(b) directly or as (op(b)ᵀ·op(a)ᵀ)ᵀ. XNNPACK packs the right operand on every call with
 * a new tensor, and in training every weight matrix is new each step: packing MiniVGGNet's 3136x512
 * dense kernel cost 38 ms of a 50 ms product, so the side that is cheaper to move and pack goes right.
 */
function matrixProduct(r: KernelRunner, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const rank = a.shape.length;
  const swapLast = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  const size = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
  const [m, k] = transposeA ? [a.shape[rank - 1]!, a.shape[rank - 2]!] : [a.shape[rank - 2]!, a.shape[rank - 1]!];
  const n = transposeB ? b.shape[rank - 2]! : b.shape[rank - 1]!;
  const outputSize = (size(a) / (m * k)) * m * n;
  const bIsPacked = !transposeB && packedOperands.has(b.dataId);
  const directCost = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0) + (bIsPacked ? 0 : PACK_COST * size(b));
  const swappedCost = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + outputSize + PACK_COST * size(a);
  const plain = (x: TensorInfo, y: TensorInfo) => r.run('BatchMatMul', { a: x, b: y }, { transposeA: false, transposeB: false });
  if (directCost <= swappedCost) {
    if (!transposeB) packedOperands.add(b.dataId);
    return plain(transposeA ? r.transpose(a, swapLast) : a, transposeB ? r.transpose(b, swapLast) : b);
  }
  return r.transpose(plain(transposeB ? b : r.transpose(b, swapLast), transposeA ? a : r.transpose(a, swapLast)), swapLast);
}

/**
 * One of a dense layer's three products through the library's SIMD kernels (native/dense.c), when
 * they are loaded and a and b are single float32 matrices: x·w (+ `bias` of length n), dy·wᵀ or xᵀ·dy
 * (no bias).
 * XNNPACK repacks a weight matrix that changes every step on every call, and takes the transposed
 * ones through transposes (docs/benchmarks.md, session 8). Undefined for other cases.
 */
function simdMatrixProduct(backend: KernelBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, bias?: TensorInfo): TensorInfo | undefined {
  const kernels = activeSimdKernels();
  const rank = a.shape.length;
  const single = (t: TensorInfo) => t.dtype === 'float32' && t.shape.length === rank && rank >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
  // A bias is added by the forward kernel only.
  if (!kernels || (transposeA && transposeB) || (bias && (transposeA || transposeB)) || !single(a) || !single(b)) return undefined;
  const [rowsA, columnsA] = a.shape.slice(-2) as [number, number];
  const [rowsB, columnsB] = b.shape.slice(-2) as [number, number];
  const heap = backend as unknown as WasmBackendData;
  const read = (t: TensorInfo) => heap.typedArrayFromHeap(t);
  const output = (shape: DenseShape, rows: number, columns: number, fill: (out: Float32Array) => void) =>
    SimdKernels.supportsDense(shape) ? withOutputs(heap, [[...a.shape.slice(0, -2), rows, columns]], ([out]) => fill(out!))[0] : undefined;
  if (transposeB) {
    // dx = dy·wᵀ: a is dy [m, n], b is w [k, n].
    const shape = { m: rowsA, k: rowsB, n: columnsA };
    return output(shape, rowsA, rowsB, (dx) => kernels.denseInputGradient(read(a), read(b), shape, dx));
  }
  if (transposeA) {
    // dw = xᵀ·dy: a is x [m, k], b is dy [m, n].
    const shape = { m: rowsA, k: columnsA, n: columnsB };
    return output(shape, columnsA, columnsB, (dw) => kernels.denseWeightGradient(read(a), read(b), shape, dw));
  }
  const shape = { m: rowsA, k: columnsA, n: columnsB };
  const withBias = bias?.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === columnsB ? bias : undefined;
  if (bias && !withBias) return undefined;
  return output(shape, rowsA, columnsB, (y) => kernels.denseForward(read(a), read(b), withBias && read(withBias), shape, y));
}

/** BatchMatMul through {@link simdMatrixProduct} or {@link matrixProduct}; the stock kernel handles broadcasting batches and other dtypes. */
function batchMatMul(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !sameBatch) return stock.get('BatchMatMul')!(args) as TensorInfo;
  return simdMatrixProduct(backend, a, b, transposeA, transposeB) ?? withRunner(backend, (r) => matrixProduct(r, a, b, transposeA, transposeB));
}

/** _FusedMatMul (the dense layer's forward pass) as {@link simdMatrixProduct} or {@link matrixProduct}, plus bias and ReLU. */
function fusedMatMul(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const { transposeA, transposeB, activation } = attrs as { transposeA: boolean; transposeB: boolean; activation: string };
  const simple = (activation === 'linear' || activation === 'relu') && !preluActivationWeights && (!bias || bias.shape.length === 1);
  const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (!simple || !sameBatch || a.dtype !== 'float32' || b.dtype !== 'float32') return stock.get('_FusedMatMul')!(args) as TensorInfo;
  return withRunner(backend, (r) => {
    const biased = simdMatrixProduct(backend, a, b, transposeA, transposeB, bias);
    let out = biased ? r.track(biased) : matrixProduct(r, a, b, transposeA, transposeB);
    if (bias && !biased) out = r.run('Add', { a: out, b: bias });
    return activation === 'relu' ? r.run('Relu', { x: out }) : out;
  });
}

/**
 * Tile where every tiled axis has size 1 is a broadcast; the stock kernel copies element by element,
 * which made it the most expensive kernel of a MiniVGGNet step (batch-norm gradients tile [1,1,1,C]
 * to [N,H,W,C]). A broadcasting Add onto zeros runs at memory speed.
 */
function tile(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: TensorInfo };
  const { reps } = attrs as { reps: number[] };
  const isBroadcast = x.dtype === 'float32' && reps.every((r, i) => r === 1 || x.shape[i] === 1);
  if (!isBroadcast) return stock.get('Tile')!(args) as TensorInfo;
  const shape = x.shape.map((d, i) => d * reps[i]!);
  // Repeating a trailing block ([1, 1, 1, C] to [N, H, W, C], the batch-norm case) is a copy that
  // doubles until the output is full.
  let kept = reps.length;
  while (kept > 0 && reps[kept - 1] === 1) kept--;
  if (x.shape.slice(0, kept).every((d) => d === 1)) return repeatBlock(backend as unknown as WasmBackendData, x, shape);
  return withRunner(backend, (r) => r.run('Add', { a: r.run('Fill', {}, { shape, value: 0, dtype: 'float32' }), b: x }));
}

function repeatBlock(backend: WasmBackendData, x: TensorInfo, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  // Views are taken after the allocation above, which may grow (and so replace) the heap.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  target.set(source, 0);
  for (let filled = source.length; filled < target.length; filled *= 2) {
    target.copyWithin(filled, 0, Math.min(filled, target.length - filled));
  }
  return out;
}

/** Normalised, sorted reduction axes. */
function reductionAxes(axis: number | number[] | undefined, rank: number): number[] {
  const list = axis === undefined ? Array.from({ length: rank }, (_, i) => i) : Array.isArray(axis) ? axis : [axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/**
 * Sum and Mean over the leading axes (batch-norm statistics and bias gradients reduce [N,H,W,C]
 * over N, H and W). The stock kernels transpose the reduced axes to the end first, which costs more
 * than the sum; XNNPACK's average pooling over one window covering them is about six times faster
 * (measured on [32,28,28,32]: 6.2 ms stock, 0.9 ms pooled). The sum is the mean times the count.
 */
function leadingReduction(name: 'Sum' | 'Mean') {
  return (args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const axes = reductionAxes(axis, x.shape.length);
    const leading = axes.length > 0 && axes.every((a, i) => a === i) && axes.length < x.shape.length;
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    if (!leading || x.dtype !== 'float32' || rows < 64) return stock.get(name)!(args) as TensorInfo;
    const rest = x.shape.slice(axes.length);
    const columns = rest.reduce((p, d) => p * d, 1);
    const windowWidth = x.shape[axes.length - 1]!;
    const windowHeight = rows / windowWidth;
    const outShape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
    return withRunner(backend, (r) => {
      const image = r.reshape(x, [1, windowHeight, windowWidth, columns]);
      const mean = r.run('AvgPool', { x: image }, { filterSize: [windowHeight, windowWidth], strides: [1, 1], pad: 'valid' });
      const result = name === 'Mean' ? mean : r.run('Multiply', { a: mean, b: r.run('Fill', {}, { shape: [], value: rows, dtype: 'float32' }) });
      return r.reshape(result, outShape);
    });
  };
}


/**
 * Identity without a copy: the output shares the input's memory and bumps its reference count,
 * as the cpu backend does. The stock kernel copies, and a MiniVGGNet step calls it about 200 times
 * (gradients of additions, casts to the same type): 18 ms of copying per step.
 */
function identity(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return stock.get('Identity')!(args) as TensorInfo;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
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

/** Cast to the type a tensor already has (tfjs-layers does it in every loss and metric) without a copy. */
function cast(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as { dtype: string };
  return dtype === x.dtype ? identity(args) : (stock.get('Cast')!(args) as TensorInfo);
}

/**
 * MaxPoolGrad: routes each output gradient to the first maximum of its window (row-major order,
 * strictly greater wins, as the cpu backend does; ties are common after ReLU and batch norm). The
 * stock kernel took 31-39 ms per MiniVGGNet step (two pooling layers), this pass 10 ms: it walks the
 * channels innermost, so every read is sequential.
 */
function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, attrs } = args;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return stock.get('MaxPoolGrad')!(args) as TensorInfo;
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

/**
 * FusedBatchNorm with per-channel statistics on the last axis (batch norm's forward pass: five calls
 * per MiniVGGNet step, and inference) as `(x − mean)·(scale / √(variance + ε)) + offset`: the
 * per-channel factor is computed on C values, then three broadcasting XNNPACK passes over x
 * (measured on [32,28,28,32]: 2.2 ms, against 4.6-6.3 ms for the stock kernel; bench/kernel-micro.ts).
 * Other layouts and types keep the stock kernel.
 */
function fusedBatchNorm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs as Record<'x' | 'mean' | 'variance', TensorInfo> & Partial<Record<'offset' | 'scale', TensorInfo>>;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const perChannel = (t: TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels);
  if (x.dtype !== 'float32' || x.shape.length < 2 || channels === 0 || ![mean, variance, offset, scale].every(perChannel)) {
    return stock.get('FusedBatchNorm')!(args) as TensorInfo;
  }
  const epsilon = (args.attrs as { varianceEpsilon?: number }).varianceEpsilon ?? 0.001;
  return withRunner(args.backend, (r) => {
    const scalar = (value: number) => r.run('Fill', {}, { shape: [], value, dtype: 'float32' });
    // 1 / √(variance + ε) as the cpu backend computes it (a square root and a division, not Rsqrt).
    const std = r.run('Sqrt', { x: r.run('Add', { a: variance, b: scalar(epsilon) }) });
    const factor = r.run('RealDiv', { a: scale ?? scalar(1), b: std });
    const scaled = r.run('Multiply', { a: r.run('Sub', { a: x, b: mean }), b: factor });
    return offset ? r.run('Add', { a: scaled, b: offset }) : scaled;
  });
}

const REPLACEMENTS: ReadonlyArray<{ name: string; kernelFunc: KernelFunc; replacesStock: boolean }> = [
  { name: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter as unknown as KernelFunc, replacesStock: false },
  { name: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInput as unknown as KernelFunc, replacesStock: true },
  { name: 'FusedConv2D', kernelFunc: fusedConv2D as unknown as KernelFunc, replacesStock: true },
  { name: 'BatchMatMul', kernelFunc: batchMatMul as unknown as KernelFunc, replacesStock: true },
  { name: '_FusedMatMul', kernelFunc: fusedMatMul as unknown as KernelFunc, replacesStock: true },
  { name: 'Tile', kernelFunc: tile as unknown as KernelFunc, replacesStock: true },
  { name: 'Sum', kernelFunc: leadingReduction('Sum') as unknown as KernelFunc, replacesStock: true },
  { name: 'Mean', kernelFunc: leadingReduction('Mean') as unknown as KernelFunc, replacesStock: true },
  { name: 'Identity', kernelFunc: identity as unknown as KernelFunc, replacesStock: true },
  { name: 'Cast', kernelFunc: cast as unknown as KernelFunc, replacesStock: true },
  { name: 'MaxPoolGrad', kernelFunc: maxPoolGrad as unknown as KernelFunc, replacesStock: true },
  { name: 'FusedBatchNorm', kernelFunc: fusedBatchNorm as unknown as KernelFunc, replacesStock: true },
  { name: BATCH_NORM_TRAINING_KERNEL, kernelFunc: batchNormTraining as unknown as KernelFunc, replacesStock: false },
  { name: BATCH_NORM_TRAINING_GRADIENT_KERNEL, kernelFunc: batchNormTrainingGradient as unknown as KernelFunc, replacesStock: false },
  { name: DROPOUT_MASK_KERNEL, kernelFunc: dropoutMask as unknown as KernelFunc, replacesStock: false },
  { name: INPUT_CONV_KERNEL, kernelFunc: inputConv as unknown as KernelFunc, replacesStock: false },
  { name: RELU_GRADIENT_KERNEL, kernelFunc: reluGradient as unknown as KernelFunc, replacesStock: false },
  { name: SGD_MOMENTUM_KERNEL, kernelFunc: sgdMomentum as unknown as KernelFunc, replacesStock: false },
];

/** The kernels {@link registerWasmTrainingKernels} adds to or replaces in the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = REPLACEMENTS.map((k) => k.name);

/**
 * Makes the WebAssembly backend (`@tensorflow/tfjs-backend-wasm`) able to train convolutional
 * networks, and fast at it: registers `Conv2DBackpropFilter` (missing from the stock backend) and
 * faster `Conv2DBackpropInput` and transposed `BatchMatMul`, all built from the backend's own
 * XNNPACK convolution and matrix product, plus faster `Tile` (broadcasts), leading-axis `Sum` and
 * `Mean`, copy-free `Identity` and same-type `Cast`, a `MaxPoolGrad` that reads memory sequentially,
 * a per-channel `FusedBatchNorm` made of XNNPACK passes, and batch normalisation's whole training
 * pass as one kernel with a closed-form gradient, dropout's mask from a fast generator, and a first
 * convolution that skips the input gradient nobody needs, which the batch-norm, dropout and first
 * convolution layers of models built by `buildMiniVGGNet` or trained by `trainFashionMnist` use (see
 * docs/benchmarks.md for what each gained). With the library's SIMD kernels loaded (useWasmBackend),
 * ReLU's gradient and the momentum update of `KerasSGD` are one pass each too, 3x3 stride-1
 * convolutions (`FusedConv2D`) and their input and filter gradients run by Winograd's minimal
 * filtering (2.25 times fewer multiply-adds; the same convolution up to float rounding), and a dense
 * layer's three matrix products run in the library's own SIMD code. Supports strides, 'same', 'valid' and explicit padding,
 * NHWC and NCHW (through transposes); tfjs itself does not take gradients of dilated convolutions.
 *
 * Call it once, after importing the wasm backend and before training; calling it again does nothing.
 * It only changes the 'wasm' backend: the gradients of `FusedBatchNorm`, `Sum` and `Mean` it installs
 * (tfjs registers gradients for all backends at once) take fewer full-size passes on wasm and call
 * tfjs-core's own gradients on every other backend.
 *
 * @returns The names of the kernels registered.
 * @throws {@link WasmBackendError} when `@tensorflow/tfjs-backend-wasm` has not been imported.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildMiniVGGNet } from 'tfjs-fashion-mnist';
 * import { registerWasmTrainingKernels } from 'tfjs-fashion-mnist/wasm';
 *
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * const model = buildMiniVGGNet();
 * ```
 */
export function registerWasmTrainingKernels(): readonly string[] {
  if (registered) return WASM_TRAINING_KERNELS;
  const conv2d = getKernel('Conv2D', BACKEND);
  if (!conv2d || !engine().registryFactory[BACKEND]) {
    throw new WasmBackendError(
      "The WebAssembly backend is not loaded: import '@tensorflow/tfjs-backend-wasm' before calling registerWasmTrainingKernels().",
    );
  }
  for (const { name, kernelFunc, replacesStock } of REPLACEMENTS) {
    const existing = getKernel(name, BACKEND);
    if (existing) {
      if (replacesStock) stock.set(name, existing.kernelFunc as unknown as StockKernel);
      unregisterKernel(name, BACKEND);
    }
    // Keep the stock setup (it binds the wasm function the fallback calls) for backends that
    // initialise after this registration.
    const setupFunc = existing?.setupFunc;
    registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc, ...(setupFunc ? { setupFunc } : {}) } as KernelConfig);
  }
  registerBatchNormGradient(BACKEND);
  registerReductionGradients(BACKEND);
  registerBatchNormTrainingGradient();
  registerInputConvGradient();
  registerReluGradient(BACKEND);
  registered = true;
  return WASM_TRAINING_KERNELS;
}
