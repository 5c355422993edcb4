// Tile of size-1 axes as a broadcast or a doubling copy.
import { Tile, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendData } from './kernel-runner.js';
import { runStockKernel, withRunner, type KernelArgs } from './stock.js';

/**
 * Tile where every tiled axis has size 1 is a broadcast; the stock kernel copies element by element,
 * which made it the most expensive kernel of a MiniVGGNet step (batch-norm gradients tile [1,1,1,C]
 * to [N,H,W,C]). A broadcasting Add onto zeros runs at memory speed.
 */
function tile(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: TensorInfo };
  const { reps } = attrs as { reps: number[] };
  const isBroadcast = x.dtype === 'float32' && reps.every((r, i) => r === 1 || x.shape[i] === 1);
  if (!isBroadcast) return runStockKernel(Tile, args);
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

/** Tile for the wasm backend. */
export const tileConfig: KernelConfig = { kernelName: Tile, backendName: 'wasm', kernelFunc: tile as unknown as KernelFunc };
