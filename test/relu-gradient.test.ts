import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs-core's gradients, as the library's users get them.
import '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../src/wasm/node.js';
import { wasmBackend } from './helpers/wasm-backend.js';
import { RELU_GRADIENT_KERNEL } from '../src/kernel-names.js';
import { activeSimdKernels, disableSimdKernels } from '../src/wasm/simd/lifecycle.js';

wasmBackend({ threads: 2 });
afterAll(() => disableSimdKernels());

/** Values with every special case of step(x) and of the product: NaN, ±∞, ±0, tiny and huge. */
function specials(length: number, salt: number): Float32Array {
  const cases = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 3.5e38, -3.5e38, 1, -1];
  let seed = salt;
  return Float32Array.from({ length }, (_, i) => {
    seed = (seed * 16807) % 2147483647;
    return i % 3 === 0 ? cases[seed % cases.length]! : (seed / 2147483647) * 4 - 2;
  });
}

/** Relu's gradient of sum(relu(x) · dy) on `backend`: dy · step(x). */
async function gradient(backend: 'cpu' | 'wasm', x: Float32Array, dy: Float32Array, shape: number[]): Promise<{ values: Float32Array; kernels: string[] }> {
  await tf.setBackend(backend);
  const [xt, dyt] = [tf.tensor(x, shape), tf.tensor(dy, shape)];
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dyt)))(xt));
  const result = profile.result as tf.Tensor;
  const values = (await result.data()) as Float32Array;
  result.dispose();
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([xt, dyt]);
  return { values, kernels: profile.kernelNames };
}

describe(`${RELU_GRADIENT_KERNEL} (Relu's gradient on wasm with the SIMD kernels)`, () => {
  it.each([[[7]], [[3, 5]], [[32, 14, 14, 64]], [[2, 100_003]]])('equals tfjs-core’s gradient on cpu bit for bit, special values included, shape %j', async (shape) => {
    const length = shape.reduce((a, b) => a * b, 1);
    const [x, dy] = [specials(length, 3), specials(length, 5)];
    const cpu = await gradient('cpu', x, dy, shape);
    const wasm = await gradient('wasm', x, dy, shape);
    expect(activeSimdKernels()!.threads).toBe(2);
    expect(wasm.kernels).toContain(RELU_GRADIENT_KERNEL);
    expect(cpu.kernels).not.toContain(RELU_GRADIENT_KERNEL);
    const differing = Array.from(wasm.values).filter((v, i) => !Object.is(v, cpu.values[i])).length;
    expect(differing).toBe(0);
  });

  it('is not used without the SIMD kernels', async () => {
    await disableSimdKernels();
    const x = specials(100, 7);
    const { kernels } = await gradient('wasm', x, x, [100]);
    expect(kernels).not.toContain(RELU_GRADIENT_KERNEL);
    expect(kernels).toContain('Step');
    await useWasmBackend({ threads: 2 });
  });
});
