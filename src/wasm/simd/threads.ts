// The protocol by which worker threads share the library's SIMD kernels (src/wasm/simd/kernels.ts)
// with the calling thread: a control block in the kernels' shared memory, through which a task is
// published and its blocks claimed, the loop workers run, and the runner that publishes a task,
// takes blocks of it too and waits for the rest. Without workers every block runs on the caller.
import { WasmBackendError } from '../../errors.js';

/** The control block shared with worker threads: the first page of an own memory, else malloc'ed. The kernels use no stack. */
export const CONTROL_BYTES = 256;

/**
 * The exports threads share, by index: each takes the range [begin, end) of its units first, then
 * its parameters (see {@link runClaimedBlocks}).
 */
export const PARALLEL_KERNELS = [
  'filter_gradient',
  'batch_norm_block_sums',
  'batch_norm_apply',
  'batch_norm_gradient_block_sums',
  'batch_norm_gradient_apply',
  'max_pool_gradient_2x2',
  'relu_gradient',
  'dense_forward',
  'dense_input_gradient',
  'dense_weight_gradient',
  'winograd_filter_transform',
  'winograd_conv3x3',
  'winograd_filter_gradient_images',
  'winograd_filter_gradient_reduce',
] as const;
/** The name of one of {@link PARALLEL_KERNELS}. */
export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

/**
 * Control block layout (Int32 indices). A task is published by closing CLAIM (index 0xffff), writing
 * its parameters, resetting DONE, opening CLAIM = generation << 16 and bumping GENERATION. Blocks are claimed by
 * compare-exchange on CLAIM, whose high bits name the generation, so a thread that wakes late for an
 * older task can never claim a block of a newer one. A worker whose kernel throws sets ERROR.
 */
export const CONTROL = { GENERATION: 0, CLAIM: 1, DONE: 2, TOTAL: 3, PARAMS: 4, BLOCK: 16, STOP: 17, ERROR: 18, KERNEL: 19, UNITS: 20 } as const;

/** An export of the kernels' module that threads share: the range of units, then the parameters. */
export type ParallelExport = (...args: number[]) => void;

/**
 * Claims and runs blocks of the current task until none is left. Self-contained (it uses only its
 * arguments and globals) because the Node worker runs its source text.
 */
export function runClaimedBlocks(control: Int32Array, generation: number, kernels: ParallelExport[], layout: typeof CONTROL): void {
  for (;;) {
    // Control words are read and written atomically (sequentially consistent), so a claim that
    // succeeds saw the task that was open when it was made.
    const claim = Atomics.load(control, layout.CLAIM);
    const index = claim & 0xffff;
    const total = Atomics.load(control, layout.TOTAL);
    if (claim >>> 16 !== generation || index >= total) return;
    if (Atomics.compareExchange(control, layout.CLAIM, claim, claim + 1) !== claim) continue;
    const p = control.subarray(layout.PARAMS, layout.PARAMS + 12);
    const block = Atomics.load(control, layout.BLOCK);
    const begin = index * block;
    const end = Math.min(begin + block, Atomics.load(control, layout.UNITS));
    kernels[Atomics.load(control, layout.KERNEL)]!(begin, end, p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!, p[8]!, p[9]!, p[10]!, p[11]!);
    if (Atomics.add(control, layout.DONE, 1) + 1 === total) Atomics.notify(control, layout.DONE);
  }
}

/**
 * A worker thread's loop: waits for a task, claims blocks of it, until STOP. A kernel that throws is
 * reported through ERROR (and DONE, so the caller stops waiting) and printed; the worker then stops.
 * Self-contained, like {@link runClaimedBlocks}: the workers (Node and browser) run its source text.
 */
export function serveTasks(control: Int32Array, kernels: ParallelExport[], layout: typeof CONTROL, run: typeof runClaimedBlocks): void {
  let seen = Atomics.load(control, layout.GENERATION);
  for (;;) {
    Atomics.wait(control, layout.GENERATION, seen);
    if (Atomics.load(control, layout.STOP)) return;
    seen = Atomics.load(control, layout.GENERATION);
    try {
      run(control, seen, kernels, layout);
    } catch (error) {
      console.error('tfjs-fashion-mnist: a worker thread of the SIMD kernels failed:', error);
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
function start(module, memory, controlAt, layout) {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const control = new Int32Array(memory.buffer, controlAt, ${CONTROL_BYTES / 4});
  ${ready};
  serveTasks(control, ${JSON.stringify(PARALLEL_KERNELS)}.map((name) => instance.exports[name]), layout, runClaimedBlocks);
}
`;
}

/** Wakes the workers serving the control block at byte `controlAt` of `memory` with STOP set, so they leave their loop. */
export function stopWorkers(memory: WebAssembly.Memory, controlAt: number): void {
  const control = new Int32Array(memory.buffer, controlAt, CONTROL_BYTES / 4);
  Atomics.store(control, CONTROL.STOP, 1);
  Atomics.add(control, CONTROL.GENERATION, 1);
  Atomics.notify(control, CONTROL.GENERATION);
}

/**
 * Starts `count` worker threads running the shared kernel on `memory`, with the control block at
 * byte `controlAt`; resolves when they are ready to take work, rejects (and stops them) if they are
 * not within `timeoutMs`.
 */
export type StartKernelWorkers = (module: WebAssembly.Module, memory: WebAssembly.Memory, controlAt: number, count: number, timeoutMs: number) => Promise<{ terminate(): Promise<void> }>;

/** Publishes tasks on the control block at byte `controlAt` of `memory` and runs them with the workers serving it. */
export class ParallelTasks {
  private generation = 0;
  /** Whether this thread may Atomics.wait (false once it threw: a page's main thread). */
  private mayBlock = true;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly parallel: ParallelExport[],
    private readonly workers: { terminate(): Promise<void> } | undefined,
    /** Byte offset of the control block. */
    private readonly controlAt: number,
  ) {}

  /**
   * Runs `kernel` over `units` (output channels, blocks of rows, images or elements) in blocks of
   * `block`, on the workers and this thread.
   */
  run(kernel: ParallelKernel, params: number[], units: number, block: number): void {
    const index = PARALLEL_KERNELS.indexOf(kernel);
    const total = Math.ceil(units / block);
    // One block: no need to wake anyone.
    if (!this.workers || total <= 1) {
      for (let begin = 0; begin < units; begin += block) this.parallel[index]!(begin, Math.min(begin + block, units), ...params);
      return;
    }
    // A fresh view: growing an unshared memory detaches the old buffer.
    const control = new Int32Array(this.memory.buffer, this.controlAt, CONTROL_BYTES / 4);
    this.generation = (this.generation + 1) & 0x7fff;
    this.publish(control, index, params, units, block, total);
    runClaimedBlocks(control, this.generation, this.parallel, CONTROL);
    this.waitForWorkers(control);
  }

  /** Writes the task into the control block and wakes the workers. */
  private publish(control: Int32Array, index: number, params: number[], units: number, block: number, total: number): void {
    // Close claiming first (a worker still looping over the previous task, or about to, must not take
    // a block while the new task is written: its claim would fail or name the wrong generation), then
    // write the task, then open it.
    Atomics.store(control, CONTROL.CLAIM, (this.generation << 16) | 0xffff);
    control.fill(0, CONTROL.PARAMS, CONTROL.PARAMS + 12);
    control.set(params, CONTROL.PARAMS);
    Atomics.store(control, CONTROL.KERNEL, index);
    Atomics.store(control, CONTROL.UNITS, units);
    Atomics.store(control, CONTROL.BLOCK, block);
    Atomics.store(control, CONTROL.TOTAL, total);
    Atomics.store(control, CONTROL.DONE, 0);
    Atomics.store(control, CONTROL.CLAIM, this.generation << 16);
    Atomics.store(control, CONTROL.GENERATION, this.generation);
    Atomics.notify(control, CONTROL.GENERATION);
  }

  /**
   * Blocks a worker claimed are finished by that worker; waits for them. No timeout: a suspended
   * process (Ctrl-Z) must not fail on resume. A browser page's main thread may not block: it spins.
   */
  private waitForWorkers(control: Int32Array): void {
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
      throw new WasmBackendError('A worker thread of the SIMD kernels failed; see the error it printed.');
    }
  }

  /** Stops the worker threads, if any. */
  async terminate(): Promise<void> {
    await this.workers?.terminate();
  }
}
