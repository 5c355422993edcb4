// Sum and Mean over leading axes as one XNNPACK average pooling (the kernels: sum.ts, mean.ts).
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { runStockKernel, withRunner, type KernelArgs } from './stock.js';

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
export function leadingReduction(name: 'Sum' | 'Mean') {
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const axes = reductionAxes(axis, x.shape.length);
    const leading = axes.length > 0 && axes.every((a, i) => a === i) && axes.length < x.shape.length;
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    if (!leading || x.dtype !== 'float32' || rows < 64) return runStockKernel(name, args);
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
