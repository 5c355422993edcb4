// The matrix products of BatchMatMul and _FusedMatMul: the library's SIMD dense kernels for single
// float32 matrices, else the stock kernel's fast path with the cheaper side packed.
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { SimdKernels, type DenseShape } from '../simd/kernels.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { withOutputs, type KernelRunner, type WasmBackendData } from './kernel-runner.js';

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
export function matrixProduct(r: KernelRunner, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
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
 * ones through transposes (docs/benchmarks.md). Undefined for other cases.
 */
export function simdMatrixProduct(backend: KernelBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, bias?: TensorInfo): TensorInfo | undefined {
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
