// DROPOUT_MASK_KERNEL for the wasm backend: dropout's multiplier written into the heap, by
// native/dropout-mask.c when the SIMD kernels are loaded, else by the same generator in JavaScript.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { DROPOUT_MASK_KERNEL } from '../../kernel-names.js';
import { activeSimdKernels } from '../simd/lifecycle.js';
import { withOutputs, type WasmBackendData } from './kernel-runner.js';
import type { KernelArgs } from './stock.js';

/**
 * The multiplier tfjs-core's dropout computes, floor(u + keep) / keep in float32 with keep = 1 − rate,
 * for u = v / 2^24 and v the top 24 bits of a 32-bit random value: 1 / keep where v >= the returned
 * threshold, else 0. (A 24-bit u is as fine as tfjs' float32 uniform values.)
 */
export function dropoutThreshold(rate: number): { threshold: number; scale: number } {
  const keep = Math.fround(1 - rate);
  // The smallest v with fround(v / 2^24 + keep) >= 1; the test is monotonic in v.
  let [low, high] = [0, 2 ** 24];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (Math.fround(mid * 2 ** -24 + keep) >= 1) high = mid;
    else low = mid + 1;
  }
  return { threshold: low, scale: Math.fround(1 / keep) };
}

/** Four xorshift32 seeds (never zero, which xorshift cannot leave) from one, by splitmix32 steps. */
export function laneSeeds(seed: number): Uint32Array {
  const seeds = new Uint32Array(4);
  let state = seed >>> 0;
  for (let lane = 0; lane < 4; lane++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    seeds[lane] = (z ^ (z >>> 16)) >>> 0 || 1;
  }
  return seeds;
}

/** The mask in JavaScript, value for value as native/dropout-mask.c writes it. */
function fillMask(seeds: Uint32Array, threshold: number, scale: number, out: Float32Array): void {
  const state = seeds.slice();
  for (let i = 0; i < out.length; i++) {
    let s = state[i & 3]!;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    state[i & 3] = s;
    out[i] = s >>> 8 >= threshold ? scale : 0;
  }
}

/** Attributes `shape`, `rate` and `seed`; see {@link DROPOUT_MASK_KERNEL}. */
function dropoutMask({ backend, attrs }: KernelArgs): TensorInfo {
  const { shape, rate, seed } = attrs as { shape: number[]; rate: number; seed: number };
  const { threshold, scale } = dropoutThreshold(rate);
  const seeds = laneSeeds(seed);
  return withOutputs(backend as unknown as WasmBackendData, [shape], ([mask]) => {
    const kernels = activeSimdKernels();
    if (kernels) kernels.dropoutMask(seeds, threshold, scale, mask!);
    else fillMask(seeds, threshold, scale, mask!);
  })[0]!;
}

/** {@link DROPOUT_MASK_KERNEL} for the wasm backend. */
export const dropoutMaskConfig: KernelConfig = { kernelName: DROPOUT_MASK_KERNEL, backendName: 'wasm', kernelFunc: dropoutMask as unknown as KernelFunc };
