// The library's own WebAssembly SIMD kernels (native/filter-gradient.c) directly, against a plain
// JavaScript filter gradient, with and without worker threads. Their use inside the wasm backend's
// training kernels is checked against tfjs-backend-cpu in test/wasm.test.ts; the batch-norm kernels
// (native/batch-norm.c) in test/batch-norm-training.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeKernelWorkers } from '../src/wasm/node-simd-threads.js';
import { CONTROL, createSimdKernels, runClaimedBlocks, SimdKernels, type FilterGradientShape } from '../src/wasm/simd-kernels.js';

let seed = 7;
function random(length: number): Float32Array {
  return Float32Array.from({ length }, () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  });
}

/** dW by the definition, in float64: x zero-padded by top/left (and whatever the output needs after). */
function reference(x: Float32Array, dy: Float32Array, s: FilterGradientShape): Float64Array {
  const out = new Float64Array(s.kh * s.kw * s.ci * s.co);
  for (let b = 0; b < s.n; b++)
    for (let y = 0; y < s.oh; y++)
      for (let i = 0; i < s.ow; i++)
        for (let ti = 0; ti < s.kh; ti++)
          for (let tj = 0; tj < s.kw; tj++) {
            const row = y + ti - s.top;
            const column = i + tj - s.left;
            if (row < 0 || row >= s.h || column < 0 || column >= s.w) continue;
            for (let c = 0; c < s.ci; c++) {
              const xv = x[((b * s.h + row) * s.w + column) * s.ci + c]!;
              for (let o = 0; o < s.co; o++) out[((ti * s.kw + tj) * s.ci + c) * s.co + o]! += xv * dy[((b * s.oh + y) * s.ow + i) * s.co + o]!;
            }
          }
  return out;
}

const shapes: FilterGradientShape[] = [
  // MiniVGGNet's first and last convolutions ('same', 3x3) at batch 4.
  { n: 4, h: 28, w: 28, ci: 1, oh: 28, ow: 28, co: 32, kh: 3, kw: 3, top: 1, left: 1 },
  { n: 4, h: 14, w: 14, ci: 64, oh: 14, ow: 14, co: 64, kh: 3, kw: 3, top: 1, left: 1 },
  // Input channels not a multiple of 4, output channels not a multiple of 16, 'valid', uneven filters.
  { n: 3, h: 9, w: 7, ci: 5, oh: 8, ow: 6, co: 12, kh: 2, kw: 2, top: 0, left: 0 },
  { n: 2, h: 8, w: 8, ci: 3, oh: 8, ow: 8, co: 20, kh: 4, kw: 2, top: 1, left: 0 },
  // Explicit padding larger after than before, and a 1x1 filter.
  { n: 2, h: 6, w: 6, ci: 6, oh: 9, ow: 7, co: 4, kh: 3, kw: 3, top: 1, left: 0 },
  { n: 2, h: 5, w: 5, ci: 7, oh: 5, ow: 5, co: 36, kh: 1, kw: 1, top: 0, left: 0 },
];

const kernels = {
  'one thread': await createSimdKernels(1, undefined),
  'a worker thread beside the caller': await createSimdKernels(2, startNodeKernelWorkers),
  'three worker threads': await createSimdKernels(4, startNodeKernelWorkers),
};
afterAll(async () => {
  await Promise.all(Object.values(kernels).map((k) => k.dispose()));
});

describe('createSimdKernels', () => {
  it('runs on as many threads as it was given workers for', () => {
    expect(Object.values(kernels).map((k) => k.threads)).toEqual([1, 2, 4]);
  });

  describe.each(Object.entries(kernels))('filterGradient on %s', (_, k) => {
    it.each(shapes)('matches the definition for %j', (shape) => {
      const x = random(shape.n * shape.h * shape.w * shape.ci);
      const dy = random(shape.n * shape.oh * shape.ow * shape.co);
      const out = new Float32Array(shape.kh * shape.kw * shape.ci * shape.co).fill(Number.NaN);
      k.filterGradient(x, dy, shape, out);
      const expected = reference(x, dy, shape);
      const scale = Math.max(...Array.from(expected, Math.abs));
      const error = Math.max(...Array.from(out, (v, i) => Math.abs(v - expected[i]!)));
      expect(error / scale).toBeLessThan(1e-5);
    });

    it('gives the same result for the same call, with memory grown in between', () => {
      const small = shapes[2]!;
      const x = random(small.n * small.h * small.w * small.ci);
      const dy = random(small.n * small.oh * small.ow * small.co);
      const first = new Float32Array(small.kh * small.kw * small.ci * small.co);
      k.filterGradient(x, dy, small, first);
      const big = { n: 32, h: 28, w: 28, ci: 32, oh: 28, ow: 28, co: 32, kh: 3, kw: 3, top: 1, left: 1 };
      k.filterGradient(random(32 * 28 * 28 * 32), random(32 * 28 * 28 * 32), big, new Float32Array(9 * 32 * 32));
      const again = new Float32Array(first.length);
      k.filterGradient(x, dy, small, again);
      expect(again).toEqual(first);
    });
  });
});

describe('SimdKernels.supports', () => {
  const shape = shapes[0]!;
  it('takes stride-1 convolutions whose output channels come in fours', () => {
    expect(SimdKernels.supports(shape, [1, 1])).toBe(true);
    expect(SimdKernels.supports({ ...shape, co: 30 }, [1, 1])).toBe(false);
    expect(SimdKernels.supports(shape, [2, 2])).toBe(false);
    expect(SimdKernels.supports(shape, [1, 2])).toBe(false);
  });

  it('leaves inputs of a gigabyte or more to XNNPACK', () => {
    expect(SimdKernels.supports({ ...shape, n: 11_000, ci: 32 }, [1, 1])).toBe(false);
  });
});

describe('runClaimedBlocks', () => {
  const task = (generation: number, total: number) => {
    const control = new Int32Array(new SharedArrayBuffer(256));
    control.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40], CONTROL.PARAMS);
    control[CONTROL.BLOCK] = 16;
    control[CONTROL.TOTAL] = total;
    control[CONTROL.CLAIM] = generation << 16;
    return control;
  };

  it('runs every block of the current task once, in order, and counts them done', () => {
    const control = task(5, 3);
    const ranges: Array<[number, number]> = [];
    runClaimedBlocks(control, 5, (...args) => ranges.push([args[12]!, args[13]!]), CONTROL);
    expect(ranges).toEqual([[0, 16], [16, 32], [32, 40]]);
    expect(control[CONTROL.DONE]).toBe(3);
  });

  it('claims nothing for a thread that woke for an older task', () => {
    const control = task(6, 3);
    const calls: number[][] = [];
    runClaimedBlocks(control, 5, (...args) => calls.push(args), CONTROL);
    expect(calls).toEqual([]);
    expect(control[CONTROL.CLAIM]).toBe(6 << 16);
  });

  it('claims nothing while a task is being written (claiming closed)', () => {
    const control = task(6, 3);
    control[CONTROL.CLAIM] = (6 << 16) | 0xffff;
    const calls: number[][] = [];
    runClaimedBlocks(control, 6, (...args) => calls.push(args), CONTROL);
    expect(calls).toEqual([]);
  });
});
