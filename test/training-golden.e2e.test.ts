// Golden numerics: two steps of MiniVGGNet training give the same weights, bit for bit, as the
// recorded ones, on the cpu backend and on the wasm backend with the library's kernels (on each build
// of its SIMD kernels, and on the XNNPACK formulations). Refactoring the kernels or the training
// loop must not change a single bit; a change of numerics is a deliberate update of these constants.
// The SIMD kernels' build is pinned for each hash (TFJS_FASHION_MNIST_WASM_BUILD): the relaxed-SIMD
// build's fused multiply-adds round differently from the SIMD128 build, and Node 22+ picks it by
// default; on Node 20 the test turns relaxed SIMD on (a V8 flag) to check it too.
// The dropout masks come from trainFashionMnist's seed; Math.random is still replaced by a seeded
// generator, so that anything left drawing from it would change the hash rather than go unseen.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildMiniVGGNet, trainFashionMnist, type FashionMnistSplit } from '../src/index.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { SIMD_KERNEL_BUILD_VARIABLE, type SimdKernelBuild } from '../src/wasm/simd/module.js';
import { kernelBuilds } from './helpers/kernel-builds.js';
import { seededRandom } from '../src/random.js';

/** `count` images of `side`x`side` seeded noise over a band at a class-dependent row, and their labels. */
function syntheticSplit(count: number, side: number, seed: number): FashionMnistSplit {
  const random = seededRandom(seed);
  const pixels = side * side;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = Math.floor(random() * 10);
    labels[i] = label;
    for (let p = 0; p < pixels; p++) {
      const row = Math.floor(p / side);
      const band = row === label || row === label + 1 ? 160 : 0;
      images[i * pixels + p] = Math.min(255, band + Math.floor(random() * 96));
    }
  }
  return { images, labels, count, height: side, width: side };
}

/**
 * Image side: small, as the cpu backend's convolutions are slow, yet the same layers and kernel
 * paths as at 28x28 (even sides at every convolution and pooling, batch-norm statistics over more
 * than 64 rows).
 */
const SIDE = 8;

/**
 * Trains a seeded MiniVGGNet of SIDExSIDE inputs for two steps (64 images, batches of 32) with
 * Math.random seeded, and returns the SHA-256 of all its weights' bytes, in the model's order.
 */
async function trainedWeightsHash(): Promise<string> {
  const random = seededRandom(2024);
  vi.spyOn(Math, 'random').mockImplementation(random);
  const model = buildMiniVGGNet({ width: SIDE, height: SIDE, seed: 7 });
  try {
    const result = await trainFashionMnist(model, { train: syntheticSplit(64, SIDE, 11) }, { epochs: 1, batchSize: 32, seed: 3 });
    expect(result.history.loss).toHaveLength(1);
    expect(Number.isFinite(result.history.loss[0])).toBe(true);
    const hash = createHash('sha256');
    for (const weight of model.getWeights()) {
      const values = (await weight.data()) as Float32Array;
      hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
    return hash.digest('hex');
  } finally {
    vi.restoreAllMocks();
    model.optimizer?.dispose();
    model.dispose();
  }
}

/** SHA-256 of the trained weights per backend (see the header: update only for a deliberate change of numerics). */
const GOLDEN = {
  cpu: 'a8d765e55fd0c68f7906f753ae87c7ebe7e5d66eb331d12715bd1bbe8c212143',
  wasmSimd: 'ab02e376ca46daab4ade5bf36e9bdbe797382662ed15b5a4d49337fbffba3c4d',
  wasmRelaxedSimd: 'aab738efb95b56892be74ceeefe0911d1888672b4de88c65500b254891457ef6',
  wasmXnnpack: 'edea41c6c43d38a41e80236cecf696c4368fff700983610cc3ebf4e76e74d5c5',
};

/**
 * Whether this engine's f32x4.relaxed_madd fuses (one rounding), as V8 compiles it on x86-64 with
 * FMA3 and on arm64: a hand-written module computes a·b + c for a = b = 1 + 2⁻¹², c = −(1 + 2⁻¹¹),
 * which is 2⁻²⁴ fused and 0 with the product rounded first. Where it does not fuse, the relaxed
 * build rounds as the SIMD128 build does, and gives its hash.
 */
function relaxedMaddFuses(): boolean {
  const splat = (local: number) => [0x20, local, 0xfd, 0x13];
  const body = [0x00, ...splat(0), ...splat(1), ...splat(2), 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b];
  const bytes = new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d, 0x01, 0x7d], // type: (f32, f32, f32) -> f32
    ...[0x03, 0x02, 0x01, 0x00], // one function of that type
    ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00], // exported as "f"
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
  const { f } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { f: (a: number, b: number, c: number) => number };
  return f(1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11)) !== 0;
}

/** Runs `body` with the SIMD kernels' build pinned to `build` through the environment variable. */
async function withKernelBuild<T>(build: SimdKernelBuild, body: () => Promise<T>): Promise<T> {
  const previous = process.env[SIMD_KERNEL_BUILD_VARIABLE];
  process.env[SIMD_KERNEL_BUILD_VARIABLE] = build;
  try {
    return await body();
  } finally {
    if (previous === undefined) delete process.env[SIMD_KERNEL_BUILD_VARIABLE];
    else process.env[SIMD_KERNEL_BUILD_VARIABLE] = previous;
  }
}

const relaxed = kernelBuilds().includes('relaxed');

describe('training numerics (golden weights after two MiniVGGNet steps)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('on the cpu backend', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    expect(await trainedWeightsHash()).toBe(GOLDEN.cpu);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("on the wasm backend with the library's SIMD kernels, SIMD128 build", async () => {
    const hash = await withKernelBuild('simd128', async () => {
      await useWasmBackend({ threads: 1 });
      return trainedWeightsHash();
    });
    expect(hash).toBe(GOLDEN.wasmSimd);
  });

  it.runIf(relaxed)("on the wasm backend with the library's SIMD kernels, relaxed-SIMD build", async () => {
    const hash = await withKernelBuild('relaxed', async () => {
      await useWasmBackend({ threads: 1 });
      return trainedWeightsHash();
    });
    expect(hash).toBe(relaxedMaddFuses() ? GOLDEN.wasmRelaxedSimd : GOLDEN.wasmSimd);
  });

  it("on the wasm backend with the library's kernels on XNNPACK (simdKernels: false)", async () => {
    await useWasmBackend({ threads: 1, simdKernels: false });
    expect(await trainedWeightsHash()).toBe(GOLDEN.wasmXnnpack);
  });
});
