// The library's own WebAssembly SIMD kernels (native/*.c, built by native/build.sh), for the work
// XNNPACK does badly or more slowly through the stock backend's kernels: 3x3 stride-1 convolutions
// and their input and filter gradients by Winograd's minimal filtering (native/winograd.c), the
// filter gradient of other stride-1 convolutions (native/filter-gradient.c), a dense layer's three
// matrix products (native/dense.c), batch normalisation's training pass (native/batch-norm.c), the
// gradient of 2x2 max pooling (native/max-pool-gradient.c), dropout's multiplier
// (native/dropout-mask.c), ReLU's gradient (native/relu-gradient.c) and the optimizer's momentum
// update (native/sgd-momentum.c). Where they run and how arrays get there: src/wasm/simd/memory.ts.
// With a shared memory, worker threads take blocks of the convolutions' tiles or images, the filter
// gradient's output channels and the dense products' columns beside the calling thread; the other
// kernels take ranges of work too (see src/wasm/simd/threads.ts) but are given all of it at once:
// they run on the calling thread.
import type { KernelMemory } from './memory.js';
import type { SimdKernelBuild } from './module.js';
import type { ParallelKernel, ParallelTasks } from './threads.js';

/** Output channels per block of the filter gradient's work: the kernel's widest register block. */
const CHANNELS_PER_BLOCK = 16;
/** Rows per block of batch norm's passes (ROW_BLOCK in native/batch-norm.c). */
const BATCH_NORM_ROWS = 256;
/** Multiply-adds below which a matrix product runs on the calling thread: waking a worker costs more. */
const DENSE_THREADING_MACS = 2 ** 18;
/** Tiles per call of the Winograd convolution (TILES_PER_CALL in native/winograd.h). */
const WINOGRAD_TILES = 16;
/** Tiles per pass of the Winograd filter gradient (GRADIENT_TILES in native/winograd.h). */
const WINOGRAD_GRADIENT_TILES = 25;

/** The kernels that run on the calling thread only (pointers are byte offsets into the kernels' memory). */
export interface CallingThreadExports {
  dropout_mask(out: number, n: number, s0: number, s1: number, s2: number, s3: number, threshold: number, scale: number): void;
  sgd_momentum(begin: number, end: number, w: number, v: number, g: number, rate: number, momentum: number, nextW: number, nextV: number): void;
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

/** A dense layer's matrices: x [m, k], w [k, n], dy and y [m, n]. */
export interface DenseShape {
  m: number;
  k: number;
  n: number;
}

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

/** A 3x3 stride-1 convolution: x [n, h, w, ci] with `top`/`left` zeros before it, y (or dy) [n, oh, ow, co]. */
export type Conv3x3Shape = Omit<FilterGradientShape, 'kh' | 'kw'>;

/** The kernels, instantiated, with the worker threads that share them (none outside Node). */
export class SimdKernels {
  constructor(
    private readonly space: KernelMemory,
    private readonly tasks: ParallelTasks,
    private readonly callingThread: CallingThreadExports,
    /** Threads that run kernels: the caller plus the workers. */
    readonly threads: number,
    /** Which build of the kernels runs (src/wasm/simd/module.ts). */
    readonly build: SimdKernelBuild,
  ) {}

  /** The backend's memory the kernels run in, or undefined for an own memory. */
  get host(): KernelMemory['host'] {
    return this.space.host;
  }

  /** Whether the kernels read and write the wasm backend's tensors in place (no copies). */
  get inPlace(): boolean {
    return this.host !== undefined;
  }

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
   * dW of a stride-1 convolution of x ([n, h, w, ci]) with output gradient dy ([n, oh, ow, co]),
   * written to `out`: x is copied to scratch space with `top`/`left` zeros before and as many after as
   * the output needs (unless it needs none); dy and dW are used in place when the kernels share the
   * backend's memory.
   */
  filterGradient(x: Float32Array, dy: Float32Array, shape: FilterGradientShape, out: Float32Array): void {
    const { n, h, w, ci, oh, ow, co, kh, kw, top, left } = shape;
    const ph = oh + kh - 1;
    const pw = ow + kw - 1;
    const padded = ph !== h || pw !== w || top !== 0 || left !== 0;
    const xpLength = padded ? n * ph * pw * ci : 0;
    this.call([x, dy], [out], 4 * xpLength, ([xAt, dyAt], [dwAt], scratch) => {
      let xp = xAt!;
      if (padded) {
        xp = scratch;
        const heap = new Float32Array(this.memory.buffer);
        heap.fill(0, xp / 4, xp / 4 + xpLength);
        const rows = Math.min(h, ph - top);
        const columns = Math.min(w, pw - left) * ci;
        for (let b = 0; b < n; b++) {
          for (let y = 0; y < rows; y++) {
            const from = xAt! / 4 + (b * h + y) * w * ci;
            heap.copyWithin(xp / 4 + ((b * ph + y + top) * pw + left) * ci, from, from + columns);
          }
        }
      }
      this.run('filter_gradient', [xp, dyAt!, dwAt!, n, ph, pw, oh, ow, kh, kw, ci, co], co, CHANNELS_PER_BLOCK);
    });
  }

  /**
   * Whether the dense products handle matrices of these sizes: `n` (the width of the forward output
   * and of the weight gradient, the inner size of the input gradient) in fours, and all three
   * matrices below 1 GiB together.
   */
  static supportsDense({ m, k, n }: DenseShape): boolean {
    return n % 4 === 0 && m > 0 && k > 0 && n > 0 && 4 * (m * k + k * n + m * n) < 2 ** 30;
  }

  /** A dense layer's forward pass, y = x·w (+ bias), into `out` ([m, n]); threads share the columns. */
  denseForward(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, shape: DenseShape, out: Float32Array): void {
    const { m, k, n } = shape;
    const inputs = bias ? [x, w, bias] : [x, w];
    // 0 stands for "no bias": no array is ever placed at offset 0.
    this.call(inputs, [out], 0, ([xAt, wAt, biasAt], [yAt]) => this.run('dense_forward', [xAt!, wAt!, biasAt ?? 0, yAt!, m, k, n], n, this.denseBlock(shape, n, 8)));
  }

  /** The input gradient of a dense layer, dx = dy·wᵀ, into `out` ([m, k]); threads share the columns. */
  denseInputGradient(dy: Float32Array, w: Float32Array, shape: DenseShape, out: Float32Array): void {
    const { m, k, n } = shape;
    this.call([dy, w], [out], 0, ([dyAt, wAt], [dxAt]) => this.run('dense_input_gradient', [dyAt!, wAt!, dxAt!, m, k, n], k, this.denseBlock(shape, k, 4)));
  }

  /** The weight gradient of a dense layer, dw = xᵀ·dy, into `out` ([k, n]); threads share the rows. */
  denseWeightGradient(x: Float32Array, dy: Float32Array, shape: DenseShape, out: Float32Array): void {
    const { m, k, n } = shape;
    this.call([x, dy], [out], 0, ([xAt, dyAt], [dwAt]) => this.run('dense_weight_gradient', [xAt!, dyAt!, dwAt!, m, k, n], k, this.denseBlock(shape, k, 4)));
  }

  /**
   * Whether {@link conv3x3} handles this convolution: channels in fours, zeros before x no more than
   * the filter reaches (0-2), an output that the filter reaches from x, and tensors below 1 GiB.
   */
  static supportsConv3x3({ n, h, w, ci, oh, ow, co, top, left }: Conv3x3Shape): boolean {
    const sizes = [n, h, w, ci, oh, ow, co].every((d) => Number.isInteger(d) && d > 0);
    const reach = top >= 0 && left >= 0 && top <= 2 && left <= 2 && oh <= h + 2 - top && ow <= w + 2 - left;
    return sizes && reach && ci % 4 === 0 && co % 4 === 0 && 4 * (n * h * w * ci + n * oh * ow * co) < 2 ** 30;
  }

  /**
   * A 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (native/winograd.c): y = x ⋆ filter
   * (+ bias, then ReLU if `relu`), filter [3, 3, ci, co]; threads share the 2x2 output tiles.
   */
  conv3x3(x: Float32Array, filter: Float32Array, bias: Float32Array | undefined, shape: Conv3x3Shape, relu: boolean, out: Float32Array): void {
    const { n, ci, oh, ow, co } = shape;
    const tiles = n * Math.ceil(oh / 2) * Math.ceil(ow / 2);
    const slotBytes = 64 * WINOGRAD_TILES * (ci + co);
    // Scratch: the transformed filter, the parameters (14 integers), a word per slot, the slots.
    const uBytes = 64 * ci * co;
    const paramsBytes = 64;
    const slotsBytes = Math.ceil((4 * this.threads) / 16) * 16;
    const inputs = bias ? [x, filter, bias] : [x, filter];
    this.call(inputs, [out], uBytes + paramsBytes + slotsBytes + this.threads * slotBytes, ([xAt, filterAt, biasAt], [yAt], scratch) => {
      const [uAt, paramsAt] = [scratch, scratch + uBytes];
      const slotsAt = paramsAt + paramsBytes;
      const params = [shape.n, shape.h, shape.w, ci, oh, ow, co, shape.top, shape.left, relu ? 1 : 0, slotsAt, this.threads, slotsAt + slotsBytes, slotBytes];
      new Int32Array(this.memory.buffer, paramsAt, params.length).set(params);
      new Int32Array(this.memory.buffer, slotsAt, this.threads).fill(0);
      this.run('winograd_filter_transform', [filterAt!, uAt, ci, co], co, co);
      // 0 stands for "no bias": no array is ever placed at offset 0.
      this.run('winograd_conv3x3', [xAt!, uAt, biasAt ?? 0, yAt!, paramsAt], tiles, WINOGRAD_TILES);
    });
  }

  /**
   * Whether {@link filterGradient3x3} handles this 3x3 filter gradient (dy [n, oh, ow, co]): as
   * {@link supportsConv3x3}, and the images' partial sums (16·ci·co floats each) below 64 MB.
   */
  static supportsFilterGradient3x3(shape: Conv3x3Shape): boolean {
    return SimdKernels.supportsConv3x3(shape) && 64 * shape.n * shape.ci * shape.co < 2 ** 26;
  }

  /**
   * dW ([3, 3, ci, co]) of a 3x3 stride-1 convolution of x ([n, h, w, ci], `top`/`left` zeros before
   * it) with output gradient dy ([n, oh, ow, co]) by Winograd's F(3x3, 2x2) (native/winograd.c):
   * threads share the images, whose sums are then added in image order (the same values on any
   * number of threads).
   */
  filterGradient3x3(x: Float32Array, dy: Float32Array, shape: Conv3x3Shape, out: Float32Array): void {
    const { n, ci, co } = shape;
    const slotBytes = 64 * WINOGRAD_GRADIENT_TILES * (ci + co);
    // Scratch: the parameters (15 integers), a word per slot, the slots, the images' sums.
    const paramsBytes = 64;
    const slotsBytes = Math.ceil((4 * this.threads) / 16) * 16;
    const partialsBytes = 64 * n * ci * co;
    this.call([x, dy], [out], paramsBytes + slotsBytes + this.threads * slotBytes + partialsBytes, ([xAt, dyAt], [dwAt], paramsAt) => {
      const slotsAt = paramsAt + paramsBytes;
      const partialsAt = slotsAt + slotsBytes + this.threads * slotBytes;
      const params = [n, shape.h, shape.w, ci, shape.oh, shape.ow, co, shape.top, shape.left, 0, slotsAt, this.threads, slotsAt + slotsBytes, slotBytes, partialsAt];
      new Int32Array(this.memory.buffer, paramsAt, params.length).set(params);
      new Int32Array(this.memory.buffer, slotsAt, this.threads).fill(0);
      this.run('winograd_filter_gradient_images', [xAt!, dyAt!, paramsAt], n, 1);
      this.run('winograd_filter_gradient_reduce', [dwAt!, paramsAt], ci, Math.max(1, Math.ceil(ci / (2 * this.threads))));
    });
  }

  /**
   * Units per claim of a dense product over `units` columns or rows: four claims per thread, in
   * multiples of the kernel's register block; all of them at once for small products.
   */
  private denseBlock({ m, k, n }: DenseShape, units: number, multiple: number): number {
    if (this.threads === 1 || m * k * n < DENSE_THREADING_MACS) return units;
    return Math.ceil(units / (4 * this.threads) / multiple) * multiple;
  }

  /**
   * Batch norm's training forward pass on the calling thread: per-channel batch mean and biased
   * variance of x ([rows, channels], channels in sixteens), then (x − mean)·scale/√(variance + ε) + offset.
   */
  batchNormForward(x: Float32Array, channels: number, scale: Float32Array, offset: Float32Array, epsilon: number, out: { y: Float32Array; mean: Float32Array; variance: Float32Array }): void {
    const rows = x.length / channels;
    const blocks = Math.ceil(rows / BATCH_NORM_ROWS);
    // Scratch: the per-block sums, then the per-channel factor.
    this.call([x, scale, offset], [out.y, out.mean, out.variance], 4 * (blocks + 1) * channels, ([xAt, scaleAt, offsetAt], [yAt, meanAt, varianceAt], partials) => {
      this.run('batch_norm_block_sums', [xAt!, rows, channels, 0, partials], blocks, this.rowBlocksPerClaim(blocks));
      this.averageBlocks(partials, blocks, channels, rows, meanAt!);
      this.run('batch_norm_block_sums', [xAt!, rows, channels, meanAt!, partials], blocks, this.rowBlocksPerClaim(blocks));
      this.averageBlocks(partials, blocks, channels, rows, varianceAt!);
      const factorAt = partials + 4 * blocks * channels;
      const heap = new Float32Array(this.memory.buffer);
      for (let j = 0; j < channels; j++) {
        // As the cpu backend's batchNorm: scale divided by the square root (not multiplied by Rsqrt).
        heap[factorAt / 4 + j] = heap[scaleAt! / 4 + j]! / Math.sqrt(heap[varianceAt! / 4 + j]! + epsilon);
      }
      this.run('batch_norm_apply', [xAt!, rows, channels, meanAt!, factorAt, offsetAt!, yAt!], blocks, this.rowBlocksPerClaim(blocks));
    });
  }

  /**
   * Batch norm's inference pass: y = (x − mean)·factor + offset per channel, x [rows, channels] with
   * channels in sixteens, in one pass on the calling thread (`factor` and `offset` computed by the caller).
   */
  batchNormApply(x: Float32Array, mean: Float32Array, factor: Float32Array, offset: Float32Array, y: Float32Array): void {
    const channels = mean.length;
    const rows = x.length / channels;
    const blocks = Math.ceil(rows / BATCH_NORM_ROWS);
    this.call([x, mean, factor, offset], [y], 0, ([xAt, meanAt, factorAt, offsetAt], [yAt]) => {
      this.run('batch_norm_apply', [xAt!, rows, channels, meanAt!, factorAt!, offsetAt!, yAt!], blocks, this.rowBlocksPerClaim(blocks));
    });
  }

  /** Per channel, the float32 sums of `blocks` blocks at `partialsAt` added in order in double precision, over `count`, to `outAt`. */
  private averageBlocks(partialsAt: number, blocks: number, channels: number, count: number, outAt: number): void {
    const heap = new Float32Array(this.memory.buffer);
    for (let j = 0; j < channels; j++) {
      let sum = 0;
      for (let b = 0; b < blocks; b++) sum += heap[partialsAt / 4 + b * channels + j]!;
      heap[outAt / 4 + j] = sum / count;
    }
  }

  /**
   * Blocks of rows per claim: all of them, so batch norm runs on the calling thread. Shared by two
   * threads (four claims each) its passes measured no faster: a MiniVGGNet step took the same time
   * within 0.3% (median of 8 alternating rounds, 2-core AMD EPYC); waking a worker for each of the
   * 25 passes of a step costs what the second core gains on passes of 1-3 MB.
   */
  private rowBlocksPerClaim(blocks: number): number {
    return blocks;
  }

  /**
   * The gradient of {@link batchNormForward} (see src/wasm/kernels/batch-norm-training.ts for the formula),
   * on the calling thread. Writes ∂x, ∂scale and ∂offset.
   */
  batchNormGradient(inputs: BatchNormGradientInputs, epsilon: number, out: { dx: Float32Array; dScale: Float32Array; dOffset: Float32Array }): void {
    const { dy, x, scale, mean, variance, dyMean, dyVariance } = inputs;
    const channels = mean.length;
    const rows = x.length / channels;
    const views = [dy, x, scale, mean, variance, dyMean, dyVariance];
    // Scratch: the double sums, then the factors a, b and k.
    const blocks = Math.ceil(rows / BATCH_NORM_ROWS);
    // Scratch: the per-block sums (two per channel), then the factors a, b and k.
    this.call(views, [out.dx, out.dScale, out.dOffset], 4 * (2 * blocks + 3) * channels, ([dyAt, xAt, ...small], [dxAt, dScaleAt, dOffsetAt], partialsAt) => {
      const per = this.rowBlocksPerClaim(blocks);
      this.run('batch_norm_gradient_block_sums', [dyAt!, xAt!, rows, channels, small[1]!, partialsAt], blocks, per);
      const heap = new Float32Array(this.memory.buffer);
      const [scaleAt, , varianceAt, dyMeanAt, dyVarianceAt] = small.map((at) => at! / 4) as [number, number, number, number, number];
      const [a, b, k] = [0, 1, 2].map((i) => partialsAt / 4 + (2 * blocks + i) * channels) as [number, number, number];
      for (let j = 0; j < channels; j++) {
        // The blocks' float32 sums, added in order in double precision.
        let sumDy = 0;
        let sumDyCentered = 0;
        for (let block = 0; block < blocks; block++) {
          sumDy += heap[partialsAt / 4 + 2 * block * channels + j]!;
          sumDyCentered += heap[partialsAt / 4 + (2 * block + 1) * channels + j]!;
        }
        const invStd = 1 / Math.sqrt(heap[varianceAt + j]! + epsilon);
        heap[a + j] = heap[scaleAt + j]! * invStd;
        heap[b + j] = (-heap[scaleAt + j]! * invStd ** 3 * sumDyCentered + 2 * heap[dyVarianceAt + j]!) / rows;
        heap[k + j] = (-heap[a + j]! * sumDy + heap[dyMeanAt + j]!) / rows;
        heap[dScaleAt! / 4 + j] = invStd * sumDyCentered;
        heap[dOffsetAt! / 4 + j] = sumDy;
      }
      this.run('batch_norm_gradient_apply', [dyAt!, xAt!, rows, channels, small[1]!, 4 * a, 4 * b, 4 * k, dxAt!], blocks, per);
    });
  }

  /**
   * The gradient of 2x2 max pooling with stride 2 and no padding, x [n, h, w, c] (c in fours), on the
   * calling thread: dy ([n, h/2, w/2, c], rounded down) goes to the first maximum of each window.
   */
  maxPoolGradient2x2(x: Float32Array, dy: Float32Array, shape: { n: number; h: number; w: number; c: number }, out: Float32Array): void {
    const { n, h, w, c } = shape;
    // On the calling thread (one block), as batch norm (see rowBlocksPerClaim).
    this.call([x, dy], [out], 0, ([xAt, dyAt], [dxAt]) => this.run('max_pool_gradient_2x2', [xAt!, dyAt!, dxAt!, n, h, w, c], n, n));
  }

  /**
   * Dropout's multiplier on the calling thread (native/dropout-mask.c): `scale` where the value
   * drawn from lane i % 4's xorshift32 generator (seeded by `seeds`) has top 24 bits >= `threshold`, else 0.
   */
  dropoutMask(seeds: Uint32Array, threshold: number, scale: number, out: Float32Array): void {
    this.call([], [out], 0, (_, [outAt]) => this.callingThread.dropout_mask(outAt!, out.length, seeds[0]!, seeds[1]!, seeds[2]!, seeds[3]!, threshold, scale));
  }

  /**
   * KerasSGD's momentum update on the calling thread (native/sgd-momentum.c): v' = momentum·v − rate·g
   * and w' = w + v', in float32 as tfjs' kernels compute them.
   */
  sgdMomentum(w: Float32Array, v: Float32Array, g: Float32Array, rate: number, momentum: number, out: { w: Float32Array; v: Float32Array }): void {
    const n = w.length;
    this.call([w, v, g], [out.w, out.v], 0, ([wAt, vAt, gAt], [nextW, nextV]) => this.callingThread.sgd_momentum(0, n, wAt!, vAt!, gAt!, rate, momentum, nextW!, nextV!));
  }

  /** ReLU's gradient (native/relu-gradient.c): dy · step(x), as tfjs-core computes it. */
  reluGradient(dy: Float32Array, x: Float32Array, out: Float32Array): void {
    const n = out.length;
    // On the calling thread (one block), as batch norm (see rowBlocksPerClaim).
    this.call([dy, x], [out], 0, ([dyAt, xAt], [dxAt]) => this.run('relu_gradient', [dyAt!, xAt!, dxAt!], n, n));
  }

  /** Stops the worker threads and, in the backend's memory, frees the scratch space and control block. */
  async dispose(): Promise<void> {
    await this.tasks.terminate();
    this.space.dispose();
  }

  private get memory(): WebAssembly.Memory {
    return this.space.memory;
  }

  private call(...args: Parameters<KernelMemory['call']>): void {
    this.space.call(...args);
  }

  private run(kernel: ParallelKernel, params: number[], units: number, block: number): void {
    this.tasks.run(kernel, params, units, block);
  }
}
