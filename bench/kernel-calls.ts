// One of the library's SIMD kernels called a given number of times, at the shape it has in a
// MiniVGGNet training step at batch 32, on the calling thread in the kernels' own memory: the
// workload bench/kernel-instructions.ts counts instructions of (under valgrind), so it does no
// timing and prints nothing but errors.
import { parseArgs } from 'node:util';
import type { Conv3x3Shape, DenseShape, FilterGradientShape, SimdKernels } from '../src/wasm/simd/kernels.js';
import { createSimdKernels } from '../src/wasm/simd/lifecycle.js';
import type { SimdKernelBuild } from '../src/wasm/simd/module.js';
import { exitOnHelp } from './usage.js';

let seed = 7;
function random(length: number): Float32Array {
  return Float32Array.from({ length }, () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  });
}

const conv = (size: number, ci: number, co: number): Conv3x3Shape => ({ n: 32, h: size, w: size, ci, oh: size, ow: size, co, top: 1, left: 1 });
const dense: DenseShape = { m: 32, k: 3136, n: 512 };

function forward(shape: Conv3x3Shape) {
  const [x, filter, bias, y] = [random(shape.n * shape.h * shape.w * shape.ci), random(9 * shape.ci * shape.co), random(shape.co), new Float32Array(shape.n * shape.oh * shape.ow * shape.co)];
  return (k: SimdKernels) => k.conv3x3(x, filter, bias, shape, true, y);
}

function filterGradient3x3(shape: Conv3x3Shape) {
  const [x, dy, dw] = [random(shape.n * shape.h * shape.w * shape.ci), random(shape.n * shape.oh * shape.ow * shape.co), new Float32Array(9 * shape.ci * shape.co)];
  return (k: SimdKernels) => k.filterGradient3x3(x, dy, shape, dw);
}

function directFilterGradient(shape: FilterGradientShape) {
  const [x, dy, dw] = [random(shape.n * shape.h * shape.w * shape.ci), random(shape.n * shape.oh * shape.ow * shape.co), new Float32Array(shape.kh * shape.kw * shape.ci * shape.co)];
  return (k: SimdKernels) => k.filterGradient(x, dy, shape, dw);
}

function batchNorm(rows: number, channels: number) {
  const [x, dy, scale, offset] = [random(rows * channels), random(rows * channels), random(channels), random(channels)];
  const out = { y: new Float32Array(rows * channels), mean: new Float32Array(channels), variance: new Float32Array(channels) };
  const gradient = { dx: new Float32Array(rows * channels), dScale: new Float32Array(channels), dOffset: new Float32Array(channels) };
  return (k: SimdKernels) => {
    k.batchNormForward(x, channels, scale, offset, 1e-3, out);
    const zeros = new Float32Array(channels);
    k.batchNormGradient({ dy, x, scale, mean: out.mean, variance: out.variance.map((v) => Math.abs(v) + 0.5), dyMean: zeros, dyVariance: zeros }, 1e-3, gradient);
  };
}

/** The kernels by name: a function that prepares the inputs and returns one call. */
export const KERNEL_CALLS: Record<string, () => (k: SimdKernels) => void> = {
  // The second convolution (28x28, 32 -> 32); its input gradient has the same shape.
  'conv2 forward': () => forward(conv(28, 32, 32)),
  'conv3 forward': () => forward(conv(14, 32, 64)),
  // The third convolution's input gradient: dy (64 channels) through the flipped filter to 32.
  'conv3 input gradient': () => forward(conv(14, 64, 32)),
  'conv4 forward': () => forward(conv(14, 64, 64)),
  'conv2 filter gradient': () => filterGradient3x3(conv(28, 32, 32)),
  'conv3 filter gradient': () => filterGradient3x3(conv(14, 32, 64)),
  'conv4 filter gradient': () => filterGradient3x3(conv(14, 64, 64)),
  'conv1 filter gradient (direct)': () => directFilterGradient({ ...conv(28, 1, 32), kh: 3, kw: 3 }),
  'dense forward': () => {
    const [x, w, bias, y] = [random(dense.m * dense.k), random(dense.k * dense.n), random(dense.n), new Float32Array(dense.m * dense.n)];
    return (k) => k.denseForward(x, w, bias, dense, y);
  },
  'dense input gradient': () => {
    const [dy, w, dx] = [random(dense.m * dense.n), random(dense.k * dense.n), new Float32Array(dense.m * dense.k)];
    return (k) => k.denseInputGradient(dy, w, dense, dx);
  },
  'dense weight gradient': () => {
    const [x, dy, dw] = [random(dense.m * dense.k), random(dense.m * dense.n), new Float32Array(dense.k * dense.n)];
    return (k) => k.denseWeightGradient(x, dy, dense, dw);
  },
  'batch norm forward and gradient (28x28x32)': () => batchNorm(32 * 28 * 28, 32),
};

async function main(): Promise<void> {
  exitOnHelp(`
node kernel-calls.mjs --kernel <name> --calls <n> [--build simd128|relaxed]
  Calls one SIMD kernel n times (for bench/kernel-instructions.ts), or each of them (--kernel all). Kernels:
  ${Object.keys(KERNEL_CALLS).join('\n  ')}
`);
  const { values } = parseArgs({ options: { kernel: { type: 'string' }, calls: { type: 'string', default: '1' }, build: { type: 'string', default: 'simd128' } } });
  const names = values.kernel === 'all' ? Object.keys(KERNEL_CALLS) : [values.kernel ?? ''];
  if (!names.every((name) => name in KERNEL_CALLS)) throw new Error(`--kernel must be all or one of: ${Object.keys(KERNEL_CALLS).join(', ')}`);
  const kernels = await createSimdKernels(1, undefined, undefined, { build: values.build as SimdKernelBuild });
  for (const name of names) {
    const call = KERNEL_CALLS[name]!();
    for (let i = 0; i < Number(values.calls); i++) call(kernels);
  }
  await kernels.dispose();
}

if (process.argv[1]?.match(/kernel-calls\.(ts|m?js)$/)) await main();
