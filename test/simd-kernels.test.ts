// The library's own WebAssembly SIMD kernels (native/filter-gradient.c, native/dense.c,
// native/winograd.c, native/winograd-filter-gradient.c) directly, in both builds (SIMD128, and
// relaxed SIMD with fused multiply-adds), against plain JavaScript definitions, with and without
// worker threads. Their use inside the wasm backend's
// training kernels is checked against tfjs-backend-cpu in test/wasm.test.ts; the batch-norm kernels
// (native/batch-norm.c) in test/batch-norm-training.test.ts. Last, the kernels in the wasm backend's
// own memory (in place) against the same kernels in a memory of their own.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs-core's gradients, as the library's users get them.
import '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../src/wasm/node.js';
import { startNodeKernelWorkers } from '../src/wasm/simd/node-workers.js';
import { BATCH_NORM_TRAINING_KERNEL, DROPOUT_MASK_KERNEL } from '../src/kernel-names.js';
import { type Conv3x3Shape, type DenseShape, type FilterGradientShape, SimdKernels } from '../src/wasm/simd/kernels.js';
import { activeSimdKernels, createSimdKernels, disableSimdKernels, enableSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { hostMemory } from '../src/wasm/simd/memory.js';
import { CONTROL, runClaimedBlocks } from '../src/wasm/simd/threads.js';
import { kernelBuilds } from './helpers/kernel-builds.js';

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

const relaxed = kernelBuilds().includes('relaxed');
// The SIMD128 build on 1, 2 and 4 threads; the relaxed build's plain and shared-memory variants.
const kernels: Record<string, SimdKernels> = {
  'one thread': await createSimdKernels(1, undefined, undefined, { build: 'simd128' }),
  'a worker thread beside the caller': await createSimdKernels(2, startNodeKernelWorkers, undefined, { build: 'simd128' }),
  'three worker threads': await createSimdKernels(4, startNodeKernelWorkers, undefined, { build: 'simd128' }),
  ...(relaxed && {
    'one thread, relaxed SIMD': await createSimdKernels(1, undefined, undefined, { build: 'relaxed' }),
    'a worker thread beside the caller, relaxed SIMD': await createSimdKernels(2, startNodeKernelWorkers, undefined, { build: 'relaxed' }),
  }),
};
afterAll(async () => {
  await Promise.all(Object.values(kernels).map((k) => k.dispose()));
});

describe('createSimdKernels', () => {
  it('runs on as many threads as it was given workers for, in the build asked for', () => {
    expect(Object.values(kernels).map((k) => k.threads)).toEqual(relaxed ? [1, 2, 4, 1, 2] : [1, 2, 4]);
    expect(Object.values(kernels).map((k) => k.build)).toEqual(relaxed ? ['simd128', 'simd128', 'simd128', 'relaxed', 'relaxed'] : ['simd128', 'simd128', 'simd128']);
  });

  it.runIf(relaxed)("fuses the multiply-adds in the relaxed build: its products round differently from the SIMD128 build's", () => {
    const shape = { m: 7, k: 130, n: 12 };
    const [x, w] = [random(shape.m * shape.k), random(shape.k * shape.n)];
    const [fused, rounded] = [new Float32Array(shape.m * shape.n), new Float32Array(shape.m * shape.n)];
    kernels['one thread, relaxed SIMD']!.denseForward(x, w, undefined, shape, fused);
    kernels['one thread']!.denseForward(x, w, undefined, shape, rounded);
    expect(differingValues([fused], [rounded])).toBeGreaterThan(0);
    const expected = denseReference(x, w, undefined, new Float32Array(shape.m * shape.n), shape).y;
    expect(relativeError(fused, expected)).toBeLessThan(1e-5);
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

/** A dense layer's three products by their definitions, in float64. */
function denseReference(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, dy: Float32Array, { m, k, n }: DenseShape) {
  const y = new Float64Array(m * n);
  const dx = new Float64Array(m * k);
  const dw = new Float64Array(k * n);
  for (let i = 0; i < m; i++)
    for (let t = 0; t < k; t++)
      for (let j = 0; j < n; j++) {
        y[i * n + j]! += x[i * k + t]! * w[t * n + j]!;
        dx[i * k + t]! += dy[i * n + j]! * w[t * n + j]!;
        dw[t * n + j]! += x[i * k + t]! * dy[i * n + j]!;
      }
  if (bias) for (let i = 0; i < m * n; i++) y[i]! += bias[i % n]!;
  return { y, dx, dw };
}

function relativeError(actual: Float32Array, expected: Float64Array): number {
  let [scale, error] = [1e-6, 0];
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    // NaN (an element never written) fails the comparison below.
    error = Math.max(error, Number.isNaN(actual[i]!) ? Infinity : Math.abs(actual[i]! - expected[i]!));
  }
  return error / scale;
}

const denseShapes: DenseShape[] = [
  // MiniVGGNet's 3136x512 layer at batch 32 (and the worker threads' share of it).
  { m: 32, k: 3136, n: 512 },
  // Rows not in fours or twos, columns of w not in fours, more than one 128-row chunk of w, output
  // widths of one 4-column block and of 8 + 4.
  { m: 7, k: 130, n: 12 },
  { m: 3, k: 9, n: 4 },
  { m: 1, k: 1, n: 8 },
  { m: 5, k: 257, n: 20 },
];

describe.each(Object.entries(kernels))('dense products on %s', (_, k) => {
  it.each(denseShapes)('match the definitions for %j, with and without a bias', (shape) => {
    const { m, k: inner, n } = shape;
    const [x, w, bias, dy] = [random(m * inner), random(inner * n), random(n), random(m * n)];
    const expected = denseReference(x, w, bias, dy, shape);
    const out = (length: number) => new Float32Array(length).fill(Number.NaN);
    const [y, unbiased, dx, dw] = [out(m * n), out(m * n), out(m * inner), out(inner * n)];
    k.denseForward(x, w, bias, shape, y);
    k.denseForward(x, w, undefined, shape, unbiased);
    k.denseInputGradient(dy, w, shape, dx);
    k.denseWeightGradient(x, dy, shape, dw);
    expect(relativeError(y, expected.y)).toBeLessThan(1e-5);
    expect(relativeError(unbiased, denseReference(x, w, undefined, dy, shape).y)).toBeLessThan(1e-5);
    expect(relativeError(dx, expected.dx)).toBeLessThan(1e-5);
    expect(relativeError(dw, expected.dw)).toBeLessThan(1e-5);
  });
});

/** A 3x3 stride-1 convolution by its definition, in float64 (x zero-padded by top/left), plus bias, then ReLU. */
function convReference(x: Float32Array, filter: Float32Array, bias: Float32Array | undefined, s: Conv3x3Shape, relu: boolean): Float64Array {
  const y = new Float64Array(s.n * s.oh * s.ow * s.co);
  for (let b = 0; b < s.n; b++)
    for (let r = 0; r < s.oh; r++)
      for (let c = 0; c < s.ow; c++)
        for (let o = 0; o < s.co; o++) {
          let sum = bias ? bias[o]! : 0;
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              const [row, column] = [r + i - s.top, c + j - s.left];
              if (row < 0 || row >= s.h || column < 0 || column >= s.w) continue;
              for (let k = 0; k < s.ci; k++) sum += x[((b * s.h + row) * s.w + column) * s.ci + k]! * filter[((i * 3 + j) * s.ci + k) * s.co + o]!;
            }
          y[((b * s.oh + r) * s.ow + c) * s.co + o] = relu ? Math.max(0, sum) : sum;
        }
  return y;
}

const conv3x3Shapes: Conv3x3Shape[] = [
  // MiniVGGNet's second convolution ('same') at batch 2.
  { n: 2, h: 28, w: 28, ci: 32, oh: 28, ow: 28, co: 32, top: 1, left: 1 },
  // Odd sizes (tiles cut by the edge), 'valid', channels of one vector, output channels of 8 + 4.
  { n: 3, h: 7, w: 9, ci: 8, oh: 7, ow: 9, co: 12, top: 1, left: 1 },
  { n: 2, h: 6, w: 5, ci: 4, oh: 4, ow: 3, co: 4, top: 0, left: 0 },
  // An input gradient's shape: zeros before x up to the filter's reach, an output larger than x.
  { n: 1, h: 5, w: 4, ci: 4, oh: 7, ow: 6, co: 8, top: 2, left: 2 },
  // MiniVGGNet's channel counts (32 and 64: kernel instances of their own), tiles inside and at the border.
  { n: 2, h: 6, w: 6, ci: 64, oh: 6, ow: 6, co: 32, top: 1, left: 1 },
  { n: 1, h: 7, w: 6, ci: 32, oh: 7, ow: 6, co: 64, top: 1, left: 1 },
];

describe.each(Object.entries(kernels))('conv3x3 on %s', (_, k) => {
  it.each(conv3x3Shapes)('matches the definition for %j, with a bias and ReLU and without', (shape) => {
    const x = random(shape.n * shape.h * shape.w * shape.ci);
    const [filter, bias] = [random(9 * shape.ci * shape.co), random(shape.co)];
    const out = () => new Float32Array(shape.n * shape.oh * shape.ow * shape.co).fill(Number.NaN);
    const [plain, activated] = [out(), out()];
    k.conv3x3(x, filter, undefined, shape, false, plain);
    k.conv3x3(x, filter, bias, shape, true, activated);
    expect(relativeError(plain, convReference(x, filter, undefined, shape, false))).toBeLessThan(1e-5);
    expect(relativeError(activated, convReference(x, filter, bias, shape, true))).toBeLessThan(1e-5);
  });
});

describe.each(Object.entries(kernels))('filterGradient3x3 on %s', (_, k) => {
  // The convolutions above, and MiniVGGNet's fourth at batch 4: dW of x [n, h, w, ci] and dy [n, oh, ow, co].
  it.each([...conv3x3Shapes, { n: 4, h: 14, w: 14, ci: 64, oh: 14, ow: 14, co: 64, top: 1, left: 1 }])('matches the definition for %j', (shape) => {
    const x = random(shape.n * shape.h * shape.w * shape.ci);
    const dy = random(shape.n * shape.oh * shape.ow * shape.co);
    const out = new Float32Array(9 * shape.ci * shape.co).fill(Number.NaN);
    k.filterGradient3x3(x, dy, shape, out);
    expect(relativeError(out, reference(x, dy, { ...shape, kh: 3, kw: 3 }))).toBeLessThan(1e-5);
  });
});

describe('SimdKernels.supportsFilterGradient3x3', () => {
  it("leaves filter gradients whose images' partial sums would take 64 MB or more to the direct kernel", () => {
    const shape = { n: 32, h: 14, w: 14, ci: 64, oh: 14, ow: 14, co: 64, top: 1, left: 1 };
    expect(SimdKernels.supportsFilterGradient3x3(shape)).toBe(true);
    expect(SimdKernels.supportsFilterGradient3x3({ ...shape, ci: 256, co: 256 })).toBe(false);
    expect(SimdKernels.supportsFilterGradient3x3({ ...shape, ci: 6 })).toBe(false);
  });
});

describe('SimdKernels.supportsConv3x3', () => {
  const shape = conv3x3Shapes[0]!;
  it('takes channels in fours and outputs the filter reaches, and leaves a gigabyte or more to XNNPACK', () => {
    expect(SimdKernels.supportsConv3x3(shape)).toBe(true);
    expect(SimdKernels.supportsConv3x3({ ...shape, ci: 1 })).toBe(false);
    expect(SimdKernels.supportsConv3x3({ ...shape, co: 10 })).toBe(false);
    expect(SimdKernels.supportsConv3x3({ ...shape, top: 3 })).toBe(false);
    expect(SimdKernels.supportsConv3x3({ ...shape, oh: 31 })).toBe(false);
    expect(SimdKernels.supportsConv3x3({ ...shape, n: 0 })).toBe(false);
    expect(SimdKernels.supportsConv3x3({ ...shape, n: 11_000 })).toBe(false);
  });
});

describe('SimdKernels.supportsDense', () => {
  it('takes output widths in fours, and leaves a gigabyte or more to XNNPACK', () => {
    expect(SimdKernels.supportsDense({ m: 32, k: 3136, n: 512 })).toBe(true);
    expect(SimdKernels.supportsDense({ m: 32, k: 512, n: 10 })).toBe(false);
    expect(SimdKernels.supportsDense({ m: 0, k: 512, n: 8 })).toBe(false);
    expect(SimdKernels.supportsDense({ m: 65_536, k: 4096, n: 8 })).toBe(false);
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
    control.set([7, 8], CONTROL.PARAMS);
    control[CONTROL.KERNEL] = 1;
    control[CONTROL.UNITS] = 40;
    control[CONTROL.BLOCK] = 16;
    control[CONTROL.TOTAL] = total;
    control[CONTROL.CLAIM] = generation << 16;
    return control;
  };

  it("runs every block of the current task once, in order, with the task's kernel and parameters, and counts them done", () => {
    const control = task(5, 3);
    const calls: number[][] = [];
    const other = () => {
      throw new Error('the wrong kernel');
    };
    runClaimedBlocks(control, 5, [other, (...args: number[]) => void calls.push(args.slice(0, 4))], CONTROL);
    expect(calls).toEqual([[0, 16, 7, 8], [16, 32, 7, 8], [32, 40, 7, 8]]);
    expect(control[CONTROL.DONE]).toBe(3);
  });

  it('claims nothing for a thread that woke for an older task', () => {
    const control = task(6, 3);
    const calls: number[][] = [];
    runClaimedBlocks(control, 5, [() => {}, (...args: number[]) => void calls.push(args)], CONTROL);
    expect(calls).toEqual([]);
    expect(control[CONTROL.CLAIM]).toBe(6 << 16);
  });

  it('claims nothing while a task is being written (claiming closed)', () => {
    const control = task(6, 3);
    control[CONTROL.CLAIM] = (6 << 16) | 0xffff;
    const calls: number[][] = [];
    runClaimedBlocks(control, 6, [() => {}, (...args: number[]) => void calls.push(args)], CONTROL);
    expect(calls).toEqual([]);
  });
});

/** How many values differ (toEqual's diff of large typed arrays takes minutes to print). */
function differingValues(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  expect(a.map((v) => v.length)).toEqual(b.map((v) => v.length));
  return a.reduce((count, values, i) => count + Array.from(values).filter((v, j) => !Object.is(v, b[i]![j])).length, 0);
}

/** A dense layer's three products through the backend's kernels (native/dense.c), 3136x512 at batch 32. */
function denseProducts(): tf.Tensor[] {
  const [x, w, bias, dy] = [tf.tensor2d(random(32 * 3136), [32, 3136]), tf.tensor2d(random(3136 * 512), [3136, 512]), tf.tensor1d(random(512)), tf.tensor2d(random(32 * 512), [32, 512])];
  const products = [tf.fused.matMul({ a: x, b: w, bias }), tf.matMul(dy, w, false, true), tf.matMul(x, dy, true, false)];
  tf.dispose([x, w, bias, dy]);
  return products;
}

describe("the kernels in the wasm backend's memory", () => {
  /** Every SIMD kernel through the backend's kernels, on the same inputs every time: their outputs' values. */
  const outputs = async () => {
    seed = 7;
    const [x, dy] = [tf.tensor(random(8 * 14 * 14 * 32), [8, 14, 14, 32]), tf.tensor(random(8 * 14 * 14 * 32), [8, 14, 14, 32])];
    const [scale, offset] = [tf.tensor(random(32)), tf.tensor(random(32))];
    const pooled = tf.tensor(random(8 * 7 * 7 * 32), [8, 7, 7, 32]);
    const maxima = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
    const filter = tf.tensor(random(9 * 32 * 32), [3, 3, 32, 32]);
    const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor | tf.Tensor[];
    const results = [
      run('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] }),
      run('MaxPoolGrad', { dy: pooled, input: x, output: maxima }, { filterSize: 2, strides: 2, pad: 'valid' }),
      run(DROPOUT_MASK_KERNEL, {}, { shape: [3, 1001], rate: 0.25, seed: 42 }),
      ...(run(BATCH_NORM_TRAINING_KERNEL, { x, scale, offset }, { varianceEpsilon: 0.001 }) as tf.Tensor[]),
      ...tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul((run(BATCH_NORM_TRAINING_KERNEL, { x: a, scale: s, offset: o }, { varianceEpsilon: 0.001 }) as tf.Tensor[])[0]!, dy)))([x, scale, offset]),
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dy)))(x),
      ...denseProducts(),
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias: scale, activation: 'relu' }),
    ].flat();
    const values = await Promise.all(results.map((t) => t.data()));
    tf.dispose([...results, x, dy, scale, offset, pooled, maxima, filter]);
    return values;
  };

  it('run in place once useWasmBackend has started the backend, on 2 threads, and give the values of the copying kernels and of one thread', async () => {
    await useWasmBackend({ threads: 2 });
    expect(hostMemory()).toBeDefined();
    const before = tf.memory().numTensors;
    const inPlace = await outputs();
    expect(activeSimdKernels()!.inPlace).toBe(true);
    expect(activeSimdKernels()!.threads).toBe(2);
    await enableSimdKernels(2, startNodeKernelWorkers, { ownMemory: true });
    expect(activeSimdKernels()!.inPlace).toBe(false);
    const copied = await outputs();
    expect(differingValues(inPlace, copied)).toBe(0);
    // The threads share the work in blocks whose sums are added in a fixed order: one thread gives the same values.
    await enableSimdKernels(1, undefined);
    expect(activeSimdKernels()!.threads).toBe(1);
    expect(differingValues(await outputs(), inPlace)).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keep working when the backend's memory grows between calls, and their scratch space with it", async () => {
    await enableSimdKernels(2, startNodeKernelWorkers);
    const first = await outputs();
    const grown = hostMemory()!.memory.buffer.byteLength;
    // 256 MB of tensors: the backend's memory grows (and, unshared, would replace its buffer).
    const big = tf.zeros([64, 1024, 1024]);
    await big.data();
    expect(hostMemory()!.memory.buffer.byteLength).toBeGreaterThan(grown);
    const x = tf.tensor(random(32 * 28 * 28 * 32), [32, 28, 28, 32]);
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: x }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] } as never) as tf.Tensor;
    const direct = reference(x.dataSync() as Float32Array, x.dataSync() as Float32Array, { n: 32, h: 28, w: 28, ci: 32, oh: 28, ow: 28, co: 32, kh: 3, kw: 3, top: 1, left: 1 });
    const values = dw.dataSync();
    const scale = Math.max(...Array.from(direct, Math.abs));
    expect(Math.max(...Array.from(values, (v, i) => Math.abs(v - direct[i]!))) / scale).toBeLessThan(1e-5);
    tf.dispose([big, x, dw]);
    expect(differingValues(await outputs(), first)).toBe(0);
  }, 60_000); // the float64 reference gradient alone is 231 million multiply-adds

  afterAll(() => disableSimdKernels());
});
