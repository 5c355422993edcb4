import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KerasSGD } from '../src/index.js';
import { registerWasmTrainingKernels, useWasmBackend } from '../src/wasm/node.js';
import { WASM_TRAINING_KERNELS } from '../src/wasm/kernels/register.js';
import { startWasmBackend } from '../src/wasm/backend.js';
import { startNodeKernelWorkers } from '../src/wasm/simd/node-workers.js';
import { activeSimdKernels, disableSimdKernels, enableSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { kernelBuilds } from './helpers/kernel-builds.js';

const relaxed = kernelBuilds().includes('relaxed');

let threads = 0;
beforeAll(async () => {
  // Exercises the Node thread shim: on a machine with two or more cores the threaded build runs.
  threads = (await useWasmBackend({ threads: 2 })).threads;
});

/** Runs `f` on a backend with fresh copies of the inputs and returns the results' values. */
async function on(backend: 'cpu' | 'wasm', inputs: Array<{ values: Float32Array; shape: number[] }>, f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensors = inputs.map(({ values, shape }) => tf.tensor(values, shape));
  const out = tf.tidy(() => {
    const result = f(...tensors);
    return Array.isArray(result) ? result : [result];
  });
  const values = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([...tensors, ...out]);
  return values;
}

let seed = 1;
function random(shape: number[]): { values: Float32Array; shape: number[] } {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    seed = (seed * 16807) % 2147483647;
    values[i] = (seed / 2147483647) * 2 - 1;
  }
  return { values, shape };
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / scale;
}

async function expectParity(inputs: Array<{ values: Float32Array; shape: number[] }>, f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tolerance = 1e-5) {
  const expected = await on('cpu', inputs, f);
  const actual = await on('wasm', inputs, f);
  expected.forEach((e, i) => expect(maxRelativeDifference(e, actual[i]!)).toBeLessThan(tolerance));
}

type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
const convCases: Array<[number[], number[], number | [number, number], Padding]> = [
  [[2, 7, 7, 3], [3, 3, 3, 4], 1, 'same'],
  [[2, 8, 9, 3], [3, 3, 3, 5], 2, 'same'],
  [[1, 9, 9, 2], [3, 3, 2, 3], 2, 'valid'],
  [[3, 10, 8, 4], [5, 5, 4, 2], 3, 'valid'],
  [[2, 6, 6, 3], [3, 3, 3, 4], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]],
  [[2, 11, 7, 2], [2, 4, 2, 3], [2, 1], 'same'],
  [[4, 28, 28, 1], [3, 3, 1, 8], 1, 'same'],
  [[2, 5, 5, 6], [1, 1, 6, 3], 1, 'valid'],
  // Inputs much smaller than their gradients: dW uses the input as the filter (see filterGradient).
  [[2, 9, 9, 1], [3, 3, 1, 6], 2, 'same'],
  [[1, 11, 11, 1], [3, 3, 1, 16], 3, 'valid'],
  [[2, 6, 6, 1], [3, 3, 1, 8], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]],
  // 3x3 stride-1 with channels in fours: the input gradient by Winograd (native/winograd.c) with
  // the SIMD kernels loaded; 'same', 'valid', explicit padding, odd sizes.
  [[2, 7, 9, 8], [3, 3, 8, 12], 1, 'same'],
  [[3, 6, 5, 4], [3, 3, 4, 4], 1, 'valid'],
  [[2, 6, 7, 4], [3, 3, 4, 8], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]],
  // Stride 2: dx by Winograd over the zero-stuffed dy; dW by XNNPACK's formulation.
  [[2, 8, 9, 4], [3, 3, 4, 8], 2, 'same'],
  // MiniVGGNet's first layer at full batch, uneven filters, explicit padding at unit stride.
  [[32, 28, 28, 1], [3, 3, 1, 32], 1, 'same'],
  [[2, 7, 9, 1], [2, 4, 1, 3], 1, 'valid'],
  [[3, 5, 6, 2], [2, 2, 2, 5], 1, 'same'],
  [[2, 4, 4, 3], [1, 3, 3, 2], 1, [[0, 0], [0, 1], [2, 0], [0, 0]]],
];

describe('registerWasmTrainingKernels', () => {
  it('registers its kernels for the wasm backend and nothing else', () => {
    expect(registerWasmTrainingKernels()).toEqual(WASM_TRAINING_KERNELS);
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBeDefined();
  });

  it('rejects a bad thread count', async () => {
    await expect(useWasmBackend({ threads: 0 })).rejects.toThrow('Argument `options.threads` must be "auto" or an integer from 1 to 64, but received 0.');
  });

  it('starts the threaded build in Node', () => {
    expect(threads).toBe(Math.min(2, cpus().length));
  });

  // The filter gradient of stride-1 convolutions and the dense products run in the library's SIMD
  // kernels (on worker threads or the calling thread; the SIMD128 build, and the relaxed-SIMD build
  // whose fused multiply-adds round differently); every case is also checked with XNNPACK's formulations.
  describe.each([
    ['SIMD kernels on 2 threads', () => enableSimdKernels(2, startNodeKernelWorkers, { build: 'simd128' })],
    ['SIMD kernels on the calling thread', () => enableSimdKernels(1, undefined, { build: 'simd128' })],
    ...(relaxed ? [['relaxed-SIMD kernels on 2 threads', () => enableSimdKernels(2, startNodeKernelWorkers, { build: 'relaxed' })] as const] : []),
    ['XNNPACK only', () => disableSimdKernels()],
  ] as const)('with %s', (_, select) => {
    beforeAll(async () => {
      await select();
    });
    afterAll(async () => {
      await enableSimdKernels(threads, startNodeKernelWorkers);
    });

    // A dense layer's three products (x·w, dy·wᵀ, xᵀ·dy) run in native/dense.c when the SIMD kernels
    // are loaded and the output width (inner size for dy·wᵀ) comes in fours: rows and columns that
    // leave remainders to the kernel's register blocks, more than one 128-row chunk of w, batch-1 rank 3.
    it.each([
      [[33, 130], [130, 12], false, false],
      [[33, 130], [33, 12], true, false],
      [[33, 12], [130, 12], false, true],
      [[1, 5, 8], [1, 8, 4], false, false],
      [[3, 1], [1, 4], false, false],
      [[6, 4], [6, 4], true, false],
      [[32, 300], [40, 300], false, true],
    ])('matMul %j x %j (transposeA %s, transposeB %s) matches the cpu backend', async (aShape, bShape, ta, tb) => {
      await expectParity([random(aShape), random(bShape)], (a, b) => tf.matMul(a!, b!, ta, tb));
    });

    it("a dense layer's forward pass with a bias, its gradients, and a broadcast bias match the cpu backend", async () => {
      await expectParity([random([33, 130]), random([130, 12]), random([12]), random([1])], (x, w, bias, single) => {
        const forward = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c });
        const gradients = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(forward(a, b, c))))([x!, w!, bias!]);
        return [forward(x!, w!, bias!), forward(x!, w!, single!), ...gradients];
      });
    });

    // FusedConv2D of 3x3 stride-1 convolutions with channels in fours runs native/winograd.c.
    it.each([
      [[2, 7, 9, 8], [3, 3, 8, 12], 'same', 'relu'],
      [[3, 6, 5, 4], [3, 3, 4, 4], 'valid', 'linear'],
      [[2, 6, 7, 4], [3, 3, 4, 8], [[0, 0], [1, 2], [0, 1], [0, 0]], 'linear'],
      [[2, 5, 5, 3], [3, 3, 3, 4], 'same', 'relu'],
    ] as const)('fused convolution of x %j, filter %j, pad %j, activation %s, with a bias, matches the cpu backend', async (xShape, fShape, pad, activation) => {
      await expectParity([random([...xShape]), random([...fShape]), random([fShape[3]])], (x, filter, bias) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: pad as Padding, bias, activation }),
      );
    });

    it.each(convCases)('convolution gradients for x %j, filter %j, strides %j, pad %j match the cpu backend', async (xShape, fShape, strides, pad) => {
      const loss = (x: tf.Tensor, f: tf.Tensor) => {
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad))))([x, f]);
        return [dx!, df!];
      };
      await expectParity([random(xShape), random(fShape)], loss);
    });
  });

  it('uses its SIMD kernels on the backend threads by default, and XNNPACK only when asked', async () => {
    expect(activeSimdKernels()?.threads).toBe(threads);
    await expect(useWasmBackend({ threads: 2, simdKernels: false })).resolves.toEqual({ threads, trainingKernels: true, simdKernelThreads: 0 });
    expect(activeSimdKernels()).toBeUndefined();
    await expect(useWasmBackend({ threads: 2 })).resolves.toEqual({ threads, trainingKernels: true, simdKernelThreads: threads });
    expect(activeSimdKernels()?.threads).toBe(threads);
  });

  it('runs its SIMD kernels on the calling thread when their workers fail to start, and says so', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await disableSimdKernels();
    try {
      const info = await startWasmBackend({ threads: 2 }, undefined, () => Promise.reject(new Error('no workers here')));
      expect(info.simdKernelThreads).toBe(1);
      expect(activeSimdKernels()?.threads).toBe(1);
      const message = "tfjs-fashion-mnist: the SIMD kernels' worker threads did not start (Error: no workers here); they run on the calling thread.";
      expect(warn).toHaveBeenCalledWith(message);
      expect(info.fallback).toEqual({ reason: 'kernel-workers-failed', message });
    } finally {
      warn.mockRestore();
      await enableSimdKernels(threads, startNodeKernelWorkers);
    }
  });

  it('has no fallback to report when it got the threads it was asked for', async () => {
    expect((await useWasmBackend({ threads: 2 })).fallback).toBeUndefined();
  });

  it('rejects a timeout that is not a positive number of milliseconds, and a threadedScript that is no URL', async () => {
    for (const timeoutMs of [0, -1, Number.NaN, '30' as unknown as number, 2 ** 31]) {
      await expect(useWasmBackend({ timeoutMs })).rejects.toThrow(/^Argument `options\.timeoutMs` must be an integer from 1 to 2147483647 \(milliseconds\), but received /);
    }
    for (const threadedScript of ['', 42 as unknown as string]) {
      await expect(useWasmBackend({ threadedScript })).rejects.toThrow(/^Argument `options\.threadedScript` must be the URL \(string or URL\) of tfjs-backend-wasm-threaded-simd\.js, but received /);
    }
    // Relative to nothing (Node has no page): not a URL.
    await expect(useWasmBackend({ threadedScript: 'wasm/x.js' })).rejects.toThrow('Argument `options.threadedScript` must be the URL (string or URL) of tfjs-backend-wasm-threaded-simd.js, absolute or relative to the page, but received "wasm/x.js".');
    await expect(useWasmBackend({ threads: 2, threadedScript: new URL('file:///ignored-in-node.js') })).resolves.toMatchObject({ threads });
  });

  it('rejects options that are not booleans', async () => {
    await expect(useWasmBackend({ simdKernels: 'no' as unknown as boolean })).rejects.toThrow('Argument `options.simdKernels` must be true or false, but received "no".');
    await expect(useWasmBackend({ trainingKernels: 1 as unknown as boolean })).rejects.toThrow('Argument `options.trainingKernels` must be true or false, but received 1.');
  });

  it.each([
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 7, 5], [2, 7, 300], true, false],
    [[32, 300], [40, 300], false, true],
  ])('matMul %j x %j (transposeA %s, transposeB %s) matches the cpu backend', async (aShape, bShape, ta, tb) => {
    await expectParity([random(aShape), random(bShape)], (a, b) => tf.matMul(a!, b!, ta, tb));
  });

  it('fused matMul with bias and relu matches the cpu backend', async () => {
    await expectParity([random([6, 40]), random([40, 9]), random([9])], (a, b, bias) =>
      tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: bias!, activation: 'relu' }),
    );
  });

  it('broadcast tiles and leading-axis sums and means match the cpu backend', async () => {
    await expectParity([random([1, 1, 1, 5])], (x) => tf.tile(x!, [3, 4, 4, 1]));
    await expectParity([random([2, 3])], (x) => tf.tile(x!, [2, 2]));
    await expectParity([random([1, 3, 1])], (x) => tf.tile(x!, [2, 1, 4]));
    await expectParity([random([1, 1, 7])], (x) => [tf.tile(x!, [5, 3, 1]), tf.tile(x!, [1, 1, 1])]);
    await expectParity([random([4, 8, 8, 5])], (x) => [tf.sum(x!, [0, 1, 2]), tf.mean(x!, [0, 1, 2]), tf.sum(x!, [0, 1, 2], true), tf.sum(x!, -1), tf.mean(x!)]);
  });

  it.each([
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 7, 7, 3], 3, 2, 'same'],
    [[1, 9, 9, 2], [2, 3], [1, 2], 'valid'],
    [[3, 6, 5, 4], 2, 1, 'same'],
    // MiniVGGNet's pooling (2x2, stride 2) with channels in fours: the SIMD kernel; odd sizes leave
    // a row and a column no window covers. With 'same' padding an odd size pads below and right.
    [[2, 8, 8, 8], 2, 2, 'valid'],
    [[3, 7, 9, 4], 2, 2, 'valid'],
    [[2, 7, 7, 4], 2, 2, 'same'],
    [[2, 7, 7, 3], 2, 2, 'same'],
  ] as const)('max-pool gradients for x %j, pool %j, strides %j, pad %s match the cpu backend, ties included', async (xShape, pool, strides, pad) => {
    const maxPool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, pool as number | [number, number], strides as number | [number, number], pad);
    const weights = random(tf.tidy(() => maxPool(tf.zeros([...xShape])).shape));
    const gradient = (x: tf.Tensor, w: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPool(a), w)))(x);
    await expectParity([random([...xShape]), weights], gradient);
    // Values from {-1, 0, 1}: most windows hold ties, which must go to the first maximum.
    const tied = random([...xShape]);
    tied.values.forEach((v, i) => (tied.values[i] = Math.round(v)));
    await expectParity([tied, weights], gradient);
  });

  // (Without scale and offset tfjs-core cannot take batch-norm gradients on any backend: it tries to
  // save the missing scale for the backward pass.)
  it.each([[[4, 6, 6, 5]], [[2, 3, 3, 7]], [[16, 12]]] as const)('batch-norm gradients for x %j match the cpu backend, with free and with batch statistics', async (shape) => {
    const channels = shape[shape.length - 1]!;
    const positive = random([channels]);
    positive.values.forEach((v, i) => (positive.values[i] = 0.5 + Math.abs(v)));
    const axes = shape.map((_, i) => i).slice(0, -1);
    const inputs = [random([...shape]), random([channels]), positive, random([channels]), random([channels]), random([...shape])];
    await expectParity(inputs, (x, mean, variance, offset, scale, weights) =>
      tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, g: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a, m, v, o, g, 0.001), weights!)))([x!, mean!, variance!, offset!, scale!]),
    1e-4);
    // As tfjs-layers trains it: the statistics are the batch's own moments.
    await expectParity([inputs[0]!, inputs[3]!, inputs[4]!, inputs[5]!], (x, offset, scale, weights) =>
      tf.grads((a: tf.Tensor, o: tf.Tensor, g: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, axes);
        return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, o, g, 0.001), weights!));
      })([x!, offset!, scale!]),
    1e-4);
  });

  it.each([[[4, 6, 6, 5]], [[16, 12]], [[3, 7]], [[3, 5, 5, 16]], [[300, 32]]] as const)('batch norm forward on x %j matches the cpu backend (SIMD kernels for channels in sixteens), with and without scale and offset, and frees its intermediates', async (shape) => {
    const channels = shape[shape.length - 1]!;
    const positive = random([channels]);
    positive.values.forEach((v, i) => (positive.values[i] = 0.5 + Math.abs(v)));
    const inputs = [random([...shape]), random([channels]), positive, random([channels]), random([channels])];
    await expectParity(inputs, (x, mean, variance, offset, scale) => [
      tf.batchNorm(x!, mean!, variance!, offset!, scale!, 0.001),
      tf.batchNorm(x!, mean!, variance!, undefined, scale!, 0.01),
      tf.batchNorm(x!, mean!, variance!, offset!, undefined),
      tf.batchNorm(x!, mean!, variance!),
      // Statistics broadcast from another shape go to the stock kernel.
      tf.tidy(() => {
        const broadcast = (t: tf.Tensor) => tf.reshape(t, [...shape.slice(0, -1).map(() => 1), channels]);
        return tf.batchNorm(x!, broadcast(mean!), broadcast(variance!), broadcast(offset!), broadcast(scale!), 0.001);
      }),
    ]);
    await tf.setBackend('wasm');
    const heap = () => (tf.memory() as { numBytesInWASMHeap?: number }).numBytesInWASMHeap;
    const [x, mean, variance, offset, scale] = inputs.map(({ values, shape: s }) => tf.tensor(values, s));
    const before = { tensors: tf.memory().numTensors, bytes: heap() };
    tf.batchNorm(x!, mean!, variance!, offset!, scale!, 0.001).dispose();
    expect({ tensors: tf.memory().numTensors, bytes: heap() }).toEqual(before);
    tf.dispose([x!, mean!, variance!, offset!, scale!]);
  });

  it('sum and mean gradients over any axes match the cpu backend', async () => {
    const x = random([3, 4, 5, 6]);
    for (const [axis, keepDims] of [[[0, 1, 2], false], [[0, 2], true], [-1, false], [1, true]] as const) {
      const w = random(tf.tidy(() => tf.sum(tf.zeros([3, 4, 5, 6]), axis as number | number[], keepDims).shape));
      await expectParity([x, w], (a, b) => [
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis as number | number[], keepDims), b!)))(a!),
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axis as number | number[], keepDims), b!)))(a!),
      ]);
    }
    await expectParity([x], (a) => [tf.grad((t: tf.Tensor) => tf.mean(t))(a!), tf.grad((t: tf.Tensor) => tf.sum(t))(a!)]);
  });

  it('Identity (tf.clone) shares memory without aliasing bugs: the result outlives its input and both free the heap', async () => {
    await tf.setBackend('wasm');
    const heap = () => (tf.memory() as { numBytesInWASMHeap?: number }).numBytesInWASMHeap;
    const before = heap();
    const x = tf.tensor([1, 2, 3, 4]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    const z = tf.add(y, 1);
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    tf.dispose([y, z]);
    expect(heap()).toBe(before);
  });

  it('trains a small network with weights that track the cpu backend', async () => {
    const build = () => {
      const model = tfl.sequential();
      model.add(tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
      model.add(tfl.layers.batchNormalization({ axis: -1 }));
      model.add(tfl.layers.activation({ activation: 'relu' }));
      model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tfl.layers.flatten());
      model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
      model.compile({ optimizer: new KerasSGD({ learningRate: 0.05, momentum: 0.9, decay: 0.01 }), loss: 'categoricalCrossentropy' });
      return model;
    };
    const x = random([16, 8, 8, 1]);
    const labels = Array.from({ length: 16 }, (_, i) => i % 3);
    const weightsAfterTraining = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = build();
      const xs = tf.tensor(x.values, x.shape);
      const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
      for (let step = 0; step < 5; step++) await model.trainOnBatch(xs, ys);
      const weights = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
      tf.dispose([xs, ys]);
      model.dispose();
      return weights;
    };
    const cpu = await weightsAfterTraining('cpu');
    const wasm = await weightsAfterTraining('wasm');
    // Compared against the largest weight of each tensor, floored at 0.01: a convolution bias
    // followed by batch norm has a gradient that is pure rounding noise (batch norm removes the
    // mean), so its values stay near 1e-9 and differ relatively while agreeing absolutely.
    cpu.forEach((w, i) => {
      const scale = Math.max(0.01, ...Array.from(w, Math.abs));
      const diff = Math.max(...Array.from(w, (v, j) => Math.abs(v - wasm[i]![j]!)));
      expect(diff / scale).toBeLessThan(1e-4);
    });
  });

  it.each([1, 2])('leaves no tensors behind in its kernels (convolution stride %i)', async (stride) => {
    await tf.setBackend('wasm');
    const x = tf.tensor(random([2, 6, 6, 3]).values, [2, 6, 6, 3]) as tf.Tensor4D;
    const f = tf.tensor(random([3, 3, 3, 4]).values, [3, 3, 3, 4]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const beforeBytes = (tf.memory() as { numBytesInWASMHeap?: number }).numBytesInWASMHeap;
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      // A convolution, batch norm with batch statistics, max pooling and a copy-free cast.
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same');
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const normed = tf.batchNorm(y, mean, variance, tf.zeros([4]), tf.ones([4]), 0.001);
      return tf.sum(tf.cast(tf.maxPool(normed as tf.Tensor4D, 2, 1, 'same'), 'float32'));
    })([x, f]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.memory() as { numBytesInWASMHeap?: number }).numBytesInWASMHeap).toBe(beforeBytes);
    tf.dispose([x, f]);
  });
});
