// BatchMatMul through the library's matrix products (matrix-product.ts).
import { BatchMatMul, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { matrixProduct, simdMatrixProduct } from './matrix-product.js';
import { runStockKernel, withRunner, type KernelArgs } from './stock.js';

/** BatchMatMul through {@link simdMatrixProduct} or {@link matrixProduct}; the stock kernel handles broadcasting batches and other dtypes. */
function batchMatMul(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !sameBatch) return runStockKernel(BatchMatMul, args);
  return simdMatrixProduct(backend, a, b, transposeA, transposeB) ?? withRunner(backend, (r) => matrixProduct(r, a, b, transposeA, transposeB));
}

/** BatchMatMul for the wasm backend. */
export const batchMatMulConfig: KernelConfig = { kernelName: BatchMatMul, backendName: 'wasm', kernelFunc: batchMatMul as unknown as KernelFunc };
