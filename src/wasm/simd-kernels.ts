// The library's own WebAssembly SIMD kernels (native/*.c, built by native/build.sh), for the work
// XNNPACK does badly through the stock backend's kernels: the filter gradient of stride-1
// convolutions, batch normalisation's training pass (native/batch-norm.c), the gradient of 2x2
// max pooling (native/max-pool-gradient.c) and dropout's multiplier (native/dropout-mask.c). They run in a WebAssembly memory of their own; inputs
// are copied in from the backend's heap and results copied out (a few MB per call, about a
// millisecond). With a shared memory, worker threads (Node) take blocks of the filter gradient's
// output channels beside the calling thread; the other kernels run on the calling thread.
import { WasmBackendError } from '../errors.js';
import { SIMD_KERNELS_SHARED_WASM, SIMD_KERNELS_WASM } from './simd-kernels-wasm.js';

const PAGE = 65536;
/** The first page holds the control block shared with worker threads; the kernels use no stack. */
const CONTROL_BYTES = 256;
const DATA_START = PAGE;
/** Output channels per block of work: the kernel's widest register block. */
const CHANNELS_PER_BLOCK = 16;

/**
 * Control block layout (Int32 indices). A task is published by closing CLAIM (index 0xffff), writing
 * its parameters, resetting DONE, opening CLAIM = generation << 16 and bumping GENERATION. Blocks are claimed by
 * compare-exchange on CLAIM, whose high bits name the generation, so a thread that wakes late for an
 * older task can never claim a block of a newer one. A worker whose kernel throws sets ERROR.
 */
export const CONTROL = { GENERATION: 0, CLAIM: 1, DONE: 2, TOTAL: 3, PARAMS: 4, BLOCK: 16, STOP: 17, ERROR: 18 } as const;

type FilterGradientExport = (...args: number[]) => void;
/** The kernels that run on the calling thread only: native/batch-norm.c and native/max-pool-gradient.c (pointers are byte offsets into the kernels' memory). */
interface CallingThreadExports {
  batch_norm_moments(x: number, rows: number, c: number, acc: number, mean: number, variance: number): void;
  batch_norm_apply(x: number, rows: number, c: number, mean: number, factor: number, offset: number, y: number): void;
  batch_norm_gradient_sums(g: number, x: number, rows: number, c: number, mean: number, sums: number): void;
  batch_norm_gradient_apply(g: number, x: number, rows: number, c: number, mean: number, a: number, b: number, k: number, dx: number): void;
  max_pool_gradient_2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  dropout_mask(out: number, n: number, s0: number, s1: number, s2: number, s3: number, threshold: number, scale: number): void;
}

/** Batch norm's per-channel values, as the training kernel passes them in and takes them out. */
export interface BatchNormGradientInputs {
  /** Gradient of the normalised output, [rows, channels]. */
  dy: Float32Array;
  x: Float32Array;
  scale: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  /** Gradients of the batch mean and variance outputs (zero when only the output is used). */
  dyMean: Float32Array;
  dyVariance: Float32Array;
}

/**
 * Claims and runs blocks of the current task until none is left. Self-contained (it uses only its
 * arguments and globals) because the Node worker runs its source text.
 */
export function runClaimedBlocks(control: Int32Array, generation: number, filterGradient: FilterGradientExport, layout: typeof CONTROL): void {
  for (;;) {
    // Control words are read and written atomically (sequentially consistent), so a claim that
    // succeeds saw the task that was open when it was made.
    const claim = Atomics.load(control, layout.CLAIM);
    const index = claim & 0xffff;
    const total = Atomics.load(control, layout.TOTAL);
    if (claim >>> 16 !== generation || index >= total) return;
    if (Atomics.compareExchange(control, layout.CLAIM, claim, claim + 1) !== claim) continue;
    const p = control.subarray(layout.PARAMS, layout.PARAMS + 12);
    const co = p[11]!;
    const block = Atomics.load(control, layout.BLOCK);
    const begin = index * block;
    filterGradient(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!, p[8]!, p[9]!, p[10]!, co, begin, Math.min(begin + block, co));
    if (Atomics.add(control, layout.DONE, 1) + 1 === total) Atomics.notify(control, layout.DONE);
  }
}

/**
 * A worker thread's loop: waits for a task, claims blocks of it, until STOP. A kernel that throws is
 * reported through ERROR (and DONE, so the caller stops waiting) and printed; the worker then stops.
 * Self-contained, like {@link runClaimedBlocks}: the workers (Node and browser) run its source text.
 */
export function serveTasks(control: Int32Array, filterGradient: FilterGradientExport, layout: typeof CONTROL, run: typeof runClaimedBlocks): void {
  let seen = Atomics.load(control, layout.GENERATION);
  for (;;) {
    Atomics.wait(control, layout.GENERATION, seen);
    if (Atomics.load(control, layout.STOP)) return;
    seen = Atomics.load(control, layout.GENERATION);
    try {
      run(control, seen, filterGradient, layout);
    } catch (error) {
      console.error('tfjs-fashion-mnist: a worker thread of the filter-gradient kernel failed:', error);
      Atomics.store(control, layout.ERROR, 1);
      Atomics.add(control, layout.DONE, 1 << 20);
      Atomics.notify(control, layout.DONE);
      return;
    }
  }
}

/** The worker program's common part: instantiates the kernels on `memory`, then reports ready and serves. */
export function workerProgram(ready: string): string {
  return `const runClaimedBlocks = ${runClaimedBlocks.toString()};
const serveTasks = ${serveTasks.toString()};
function start(module, memory, layout) {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const control = new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4});
  ${ready};
  serveTasks(control, instance.exports.filter_gradient, layout, runClaimedBlocks);
}
`;
}

/** Wakes the workers serving `memory` with STOP set, so they leave their loop. */
export function stopWorkers(memory: WebAssembly.Memory): void {
  const control = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
  Atomics.store(control, CONTROL.STOP, 1);
  Atomics.add(control, CONTROL.GENERATION, 1);
  Atomics.notify(control, CONTROL.GENERATION);
}

/** Starts `count` worker threads running the shared kernel on `memory`; resolves when they are ready to take work. */
export type StartKernelWorkers = (module: WebAssembly.Module, memory: WebAssembly.Memory, count: number) => Promise<{ terminate(): Promise<void> }>;

/** Shapes of one filter-gradient call: x [n, h, w, ci] with the padding, dy [n, oh, ow, co], dW [kh, kw, ci, co]. */
export interface FilterGradientShape {
  n: number;
  h: number;
  w: number;
  ci: number;
  oh: number;
  ow: number;
  co: number;
  kh: number;
  kw: number;
  top: number;
  left: number;
}

/** The kernels, instantiated, with the worker threads that share them (none outside Node). */
export class SimdKernels {
  private generation = 0;
  /** Whether this thread may Atomics.wait (false once it threw: a page's main thread). */
  private mayBlock = true;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly filterGradientExport: FilterGradientExport,
    private readonly callingThread: CallingThreadExports,
    /** Threads that run kernels: the caller plus the workers. */
    readonly threads: number,
    private readonly workers: { terminate(): Promise<void> } | undefined,
  ) {}

  /**
   * Whether {@link filterGradient} handles this case: stride 1, output channels in fours, and inputs
   * that fit the kernels' memory comfortably (below 1 GiB); the rest stays with XNNPACK.
   */
  static supports(shape: FilterGradientShape, strides: [number, number]): boolean {
    const { n, ci, oh, ow, co, kh, kw, top, left } = shape;
    const bytes = 4 * (n * (oh + kh - 1) * (ow + kw - 1) * ci + n * oh * ow * co + kh * kw * ci * co);
    return strides[0] === 1 && strides[1] === 1 && co % 4 === 0 && top >= 0 && left >= 0 && bytes < 2 ** 30;
  }

  /**
   * dW of a stride-1 convolution: x ([n, h, w, ci]) and dy ([n, oh, ow, co]) are copied in, x with
   * `top`/`left` zeros before and as many after as the output needs; the result is written to `out`.
   */
  filterGradient(x: Float32Array, dy: Float32Array, shape: FilterGradientShape, out: Float32Array): void {
    const { n, h, w, ci, oh, ow, co, kh, kw, top, left } = shape;
    const ph = oh + kh - 1;
    const pw = ow + kw - 1;
    const xpBytes = n * ph * pw * ci * 4;
    const dyBytes = n * oh * ow * co * 4;
    const xp = DATA_START;
    const dyAt = xp + xpBytes;
    const dw = dyAt + dyBytes;
    this.reserve(dw + kh * kw * ci * co * 4);
    const heap = new Float32Array(this.memory.buffer);
    heap.fill(0, xp / 4, dyAt / 4);
    const rows = Math.min(h, ph - top);
    const columns = Math.min(w, pw - left) * ci;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < rows; y++) {
        const from = (b * h + y) * w * ci;
        heap.set(x.subarray(from, from + columns), xp / 4 + ((b * ph + y + top) * pw + left) * ci);
      }
    }
    heap.set(dy, dyAt / 4);
    this.run([xp, dyAt, dw, n, ph, pw, oh, ow, kh, kw, ci, co]);
    out.set(heap.subarray(dw / 4, dw / 4 + kh * kw * ci * co));
  }

  /**
   * Batch norm's training forward pass on the calling thread: per-channel batch mean and biased
   * variance of x ([rows, channels], channels in sixteens), then (x − mean)·scale/√(variance + ε) + offset.
   */
  batchNormForward(x: Float32Array, channels: number, scale: Float32Array, offset: Float32Array, epsilon: number, out: { y: Float32Array; mean: Float32Array; variance: Float32Array }): void {
    const at = this.batchNormLayout(channels, x.length);
    const heap = new Float32Array(this.memory.buffer);
    heap.set(x, at.big[0] / 4);
    this.callingThread.batch_norm_moments(at.big[0], x.length / channels, channels, at.sums, at.mean, at.variance);
    const mean = heap.subarray(at.mean / 4, at.mean / 4 + channels);
    const variance = heap.subarray(at.variance / 4, at.variance / 4 + channels);
    // As the cpu backend's batchNorm: scale divided by the square root (not multiplied by Rsqrt).
    heap.set(scale.map((s, j) => s / Math.sqrt(variance[j]! + epsilon)), at.factors[0] / 4);
    heap.set(offset, at.factors[1] / 4);
    this.callingThread.batch_norm_apply(at.big[0], x.length / channels, channels, at.mean, at.factors[0], at.factors[1], at.big[1]);
    out.y.set(heap.subarray(at.big[1] / 4, at.big[1] / 4 + x.length));
    out.mean.set(mean);
    out.variance.set(variance);
  }

  /**
   * The gradient of {@link batchNormForward} (see src/wasm/batch-norm-training.ts for the formula),
   * on the calling thread. Writes ∂x, ∂scale and ∂offset.
   */
  batchNormGradient(inputs: BatchNormGradientInputs, epsilon: number, out: { dx: Float32Array; dScale: Float32Array; dOffset: Float32Array }): void {
    const { dy, x, scale, mean, variance, dyMean, dyVariance } = inputs;
    const channels = mean.length;
    const rows = x.length / channels;
    const at = this.batchNormLayout(channels, x.length);
    const heap = new Float32Array(this.memory.buffer);
    heap.set(dy, at.big[0] / 4);
    heap.set(x, at.big[1] / 4);
    heap.set(mean, at.mean / 4);
    this.callingThread.batch_norm_gradient_sums(at.big[0], at.big[1], rows, channels, at.mean, at.sums);
    const sums = new Float64Array(this.memory.buffer, at.sums, 2 * channels);
    const [a, b, k] = at.factors.map((offset) => heap.subarray(offset / 4, offset / 4 + channels)) as [Float32Array, Float32Array, Float32Array];
    for (let j = 0; j < channels; j++) {
      const invStd = 1 / Math.sqrt(variance[j]! + epsilon);
      const sumDy = sums[j]!;
      const sumDyCentered = sums[channels + j]!;
      a[j] = scale[j]! * invStd;
      b[j] = (-scale[j]! * invStd ** 3 * sumDyCentered + 2 * dyVariance[j]!) / rows;
      k[j] = (-a[j]! * sumDy + dyMean[j]!) / rows;
      out.dScale[j] = invStd * sumDyCentered;
      out.dOffset[j] = sumDy;
    }
    this.callingThread.batch_norm_gradient_apply(at.big[0], at.big[1], rows, channels, at.mean, at.factors[0], at.factors[1], at.factors[2], at.big[2]);
    out.dx.set(heap.subarray(at.big[2] / 4, at.big[2] / 4 + x.length));
  }

  /**
   * The gradient of 2x2 max pooling with stride 2 and no padding, x [n, h, w, c] (c in fours), on the
   * calling thread: dy ([n, h/2, w/2, c], rounded down) goes to the first maximum of each window.
   */
  maxPoolGradient2x2(x: Float32Array, dy: Float32Array, shape: { n: number; h: number; w: number; c: number }, out: Float32Array): void {
    const { n, h, w, c } = shape;
    const xAt = DATA_START;
    const dyAt = xAt + 4 * x.length;
    const dxAt = dyAt + 4 * dy.length;
    this.reserve(dxAt + 4 * x.length);
    const heap = new Float32Array(this.memory.buffer);
    heap.set(x, xAt / 4);
    heap.set(dy, dyAt / 4);
    this.callingThread.max_pool_gradient_2x2(xAt, dyAt, dxAt, n, h, w, c);
    out.set(heap.subarray(dxAt / 4, dxAt / 4 + x.length));
  }

  /**
   * Dropout's multiplier on the calling thread (native/dropout-mask.c): `scale` where the value
   * drawn from lane i % 4's xorshift32 generator (seeded by `seeds`) has top 24 bits >= `threshold`, else 0.
   */
  dropoutMask(seeds: Uint32Array, threshold: number, scale: number, out: Float32Array): void {
    this.reserve(DATA_START + 4 * out.length);
    this.callingThread.dropout_mask(DATA_START, out.length, seeds[0]!, seeds[1]!, seeds[2]!, seeds[3]!, threshold, scale);
    out.set(new Float32Array(this.memory.buffer, DATA_START, out.length));
  }

  /** Byte offsets for batch norm: double sums, per-channel floats, then three full-size arrays. */
  private batchNormLayout(channels: number, size: number) {
    const sums = DATA_START;
    const mean = sums + 16 * channels;
    const variance = mean + 4 * channels;
    const factors = [variance + 4 * channels, variance + 8 * channels, variance + 12 * channels] as const;
    const first = Math.ceil((factors[2] + 4 * channels) / 16) * 16;
    const big = [first, first + 4 * size, first + 8 * size] as const;
    this.reserve(big[2] + 4 * size);
    return { sums, mean, variance, factors, big };
  }

  /** Stops the worker threads. */
  async dispose(): Promise<void> {
    await this.workers?.terminate();
  }

  private reserve(bytes: number): void {
    const missing = bytes - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
  }

  /** Runs the filter gradient over blocks of output channels, on the workers and this thread. */
  private run(params: number[]): void {
    const co = params[11]!;
    // A fresh view: growing an unshared memory detaches the old buffer.
    const control = new Int32Array(this.memory.buffer, 0, CONTROL_BYTES / 4);
    this.generation = (this.generation + 1) & 0x7fff;
    // Close claiming first (a worker still looping over the previous task, or about to, must not take
    // a block while the new task is written: its claim would fail or name the wrong generation), then
    // write the task, then open it.
    Atomics.store(control, CONTROL.CLAIM, (this.generation << 16) | 0xffff);
    control.set(params, CONTROL.PARAMS);
    Atomics.store(control, CONTROL.BLOCK, CHANNELS_PER_BLOCK);
    Atomics.store(control, CONTROL.TOTAL, Math.ceil(co / CHANNELS_PER_BLOCK));
    Atomics.store(control, CONTROL.DONE, 0);
    Atomics.store(control, CONTROL.CLAIM, this.generation << 16);
    if (this.workers) {
      Atomics.store(control, CONTROL.GENERATION, this.generation);
      Atomics.notify(control, CONTROL.GENERATION);
    }
    runClaimedBlocks(control, this.generation, this.filterGradientExport, CONTROL);
    // Blocks a worker claimed are finished by that worker; wait for them. No timeout: a suspended
    // process (Ctrl-Z) must not fail on resume. A browser page's main thread may not block: it spins.
    for (;;) {
      const done = Atomics.load(control, CONTROL.DONE);
      if (done >= Atomics.load(control, CONTROL.TOTAL)) break;
      if (this.mayBlock) {
        try {
          Atomics.wait(control, CONTROL.DONE, done);
        } catch {
          this.mayBlock = false;
        }
      }
    }
    if (Atomics.exchange(control, CONTROL.ERROR, 0) !== 0) {
      throw new WasmBackendError('A worker thread of the filter-gradient kernel failed; see the error it printed.');
    }
  }
}

function decode(base64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(base64, 'base64'));
  const text = atob(base64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function sharedMemoryWorks(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * Compiles and instantiates the kernels, with `threads - 1` workers when `startWorkers` is given and
 * the runtime has shared memory; otherwise they run on the calling thread only.
 */
export async function createSimdKernels(threads: number, startWorkers: StartKernelWorkers | undefined): Promise<SimdKernels> {
  const shared = startWorkers !== undefined && threads > 1 && sharedMemoryWorks();
  const module = await WebAssembly.compile(decode(shared ? SIMD_KERNELS_SHARED_WASM : SIMD_KERNELS_WASM) as BufferSource);
  const memory = new WebAssembly.Memory(shared ? { initial: 2, maximum: 32768, shared: true } : { initial: 2 });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const filterGradient = instance.exports['filter_gradient'] as FilterGradientExport;
  const workers = shared ? await startWorkers(module, memory, threads - 1) : undefined;
  return new SimdKernels(memory, filterGradient, instance.exports as unknown as CallingThreadExports, workers ? threads : 1, workers);
}

let active: SimdKernels | undefined;

/** The kernels the training kernels use, if {@link enableSimdKernels} has run. */
export function activeSimdKernels(): SimdKernels | undefined {
  return active;
}

/**
 * Makes the training kernels use the library's SIMD kernels, on `threads` threads when
 * `startWorkers` is given (and shared memory works), else on the calling thread. Calling it again
 * with the same arguments keeps the running kernels.
 */
export async function enableSimdKernels(threads: number, startWorkers: StartKernelWorkers | undefined): Promise<SimdKernels> {
  if (active && active.threads === (startWorkers ? threads : 1)) return active;
  const previous = active;
  active = await createSimdKernels(threads, startWorkers);
  await previous?.dispose();
  return active;
}

/** Goes back to the XNNPACK formulations (for benchmarks and tests) and stops the workers. */
export async function disableSimdKernels(): Promise<void> {
  const previous = active;
  active = undefined;
  await previous?.dispose();
}
