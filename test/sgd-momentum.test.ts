import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KerasSGD } from '../src/index.js';
import { SGD_MOMENTUM_KERNEL } from '../src/kernel-names.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { wasmBackend } from './helpers/wasm-backend.js';
import { disableSimdKernels } from '../src/wasm/simd/lifecycle.js';

wasmBackend({ threads: 2 });
afterAll(() => disableSimdKernels());

const shapes = [[7], [3, 5], [3136, 512]];

function values(length: number, salt: number): Float32Array {
  let seed = salt;
  return Float32Array.from({ length }, () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  });
}

/** Three KerasSGD updates (momentum and time decay) of three variables with fixed gradients on `backend`: the final weights and velocities, and the kernels of the last update. */
async function train(backend: 'cpu' | 'wasm'): Promise<{ weights: Float32Array[]; kernels: string[] }> {
  await tf.setBackend(backend);
  const variables = shapes.map((shape, i) => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1), i + 1), shape), true, `sgd-test-${backend}-${i}`));
  const optimizer = new KerasSGD({ learningRate: 0.05, momentum: 0.9, decay: 0.3 });
  let kernels: string[] = [];
  for (let step = 0; step < 3; step++) {
    const gradients = variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(values(v.size, 100 * step + i + 7), v.shape) }));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => optimizer.applyGradients(gradients));
    kernels = profile.kernels.map((k) => k.name);
    // The first update creates one velocity per variable; later ones keep the count.
    expect(tf.memory().numTensors).toBe(before + (step === 0 ? variables.length : 0));
    tf.dispose(gradients.map((g) => g.tensor));
  }
  const state = await optimizer.getWeights();
  const weights = await Promise.all([...variables, ...state.slice(1).map((s) => s.tensor)].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(state[0]!.tensor);
  optimizer.dispose();
  tf.dispose(variables);
  return { weights, kernels };
}

describe(`KerasSGD's momentum update through ${SGD_MOMENTUM_KERNEL}`, () => {
  it('gives exactly the weights and velocities of the ops on cpu, with the SIMD kernels', async () => {
    const cpu = await train('cpu');
    expect(cpu.kernels).not.toContain(SGD_MOMENTUM_KERNEL);
    const wasm = await train('wasm');
    expect(wasm.kernels.filter((k) => k === SGD_MOMENTUM_KERNEL)).toHaveLength(3);
    expect(wasm.kernels).not.toContain('Sub');
    wasm.weights.forEach((w, i) => expect(Array.from(w).filter((v, j) => !Object.is(v, cpu.weights[i]![j])).length).toBe(0));
  });

  it('and without them (the same four kernels as the ops)', async () => {
    await disableSimdKernels();
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    expect(wasm.kernels).toContain(SGD_MOMENTUM_KERNEL);
    wasm.weights.forEach((w, i) => expect(Array.from(w).filter((v, j) => !Object.is(v, cpu.weights[i]![j])).length).toBe(0));
    await useWasmBackend({ threads: 2 });
  });
});
