// _FusedMatMul (a dense layer's forward pass) through the library's matrix products (matrix-product.ts).
import { _FusedMatMul, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { matrixProduct, simdMatrixProduct } from './matrix-product.js';
import { runStockKernel, withRunner, type KernelArgs } from './stock.js';

/** _FusedMatMul (the dense layer's forward pass) as {@link simdMatrixProduct} or {@link matrixProduct}, plus bias and ReLU. */
function fusedMatMul(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const { transposeA, transposeB, activation } = attrs as { transposeA: boolean; transposeB: boolean; activation: string };
  const simple = (activation === 'linear' || activation === 'relu') && !preluActivationWeights && (!bias || bias.shape.length === 1);
  const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (!simple || !sameBatch || a.dtype !== 'float32' || b.dtype !== 'float32') return runStockKernel(_FusedMatMul, args);
  return withRunner(backend, (r) => {
    const biased = simdMatrixProduct(backend, a, b, transposeA, transposeB, bias);
    let out = biased ? r.track(biased) : matrixProduct(r, a, b, transposeA, transposeB);
    if (bias && !biased) out = r.run('Add', { a: out, b: bias });
    return activation === 'relu' ? r.run('Relu', { x: out }) : out;
  });
}

/** _FusedMatMul for the wasm backend. */
export const fusedMatMulConfig: KernelConfig = { kernelName: _FusedMatMul, backendName: 'wasm', kernelFunc: fusedMatMul as unknown as KernelFunc };
