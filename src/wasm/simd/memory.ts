// Where the library's SIMD kernels run: in the wasm backend's own memory when its emscripten module
// shows it (see hostMemory: tensors are then read and written where they are, and scratch space
// comes from the backend's malloc), else in a memory of their own, with inputs copied in and results
// copied out (a few MB per call, 0.3 ms each).
import { engine } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../../errors.js';
import { CONTROL_BYTES } from './threads.js';

const PAGE = 65536;
/** Where scratch space starts in an own memory (the control block takes the first page). */
const DATA_START = PAGE;

/** The wasm backend's memory and allocator, for kernels that work on its tensors in place. */
export interface HostMemory {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(pointer: number): void;
}

/**
 * The started wasm backend's own memory and allocator, or undefined. Not an API of
 * tfjs-backend-wasm: its emscripten module keeps the memory as `wasmMemory` (threaded build) or as
 * the instance's export `asm.memory`, and the allocator as `_malloc` / `_free`. Used only if that
 * memory is the one the backend's heap views look at, so a backend built otherwise gets the copies.
 */
export function hostMemory(): HostMemory | undefined {
  type Module = { wasmMemory?: unknown; asm?: { memory?: unknown }; HEAPU8?: Uint8Array; _malloc?: (bytes: number) => number; _free?: (pointer: number) => void };
  const module = (engine().registry['wasm'] as { wasm?: Module } | undefined)?.wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  if (!module || !(memory instanceof WebAssembly.Memory) || memory.buffer !== module.HEAPU8?.buffer) return undefined;
  const { _malloc: malloc, _free: free } = module;
  if (typeof malloc !== 'function' || typeof free !== 'function') return undefined;
  return { memory, malloc: (bytes) => malloc(bytes), free: (pointer) => free(pointer) };
}

/** The kernels' memory: the control block, the scratch space, and the copies in and out of it. */
export class KernelMemory {
  /** Scratch space: its byte offset and size (in the host's memory: a malloc'ed block, replaced when too small). */
  private scratchAt = DATA_START;
  private scratchBytes = 0;
  /** The host's malloc'ed block holding the scratch space (scratchAt is it rounded up to 16 bytes), or 0. */
  private scratchBlock = 0;
  /** Byte offset of the control block shared with worker threads: malloc'ed in the host's memory, else 0. */
  readonly controlAt: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    /** The backend's memory the kernels run in, or undefined for an own memory. */
    readonly host: HostMemory | undefined,
  ) {
    this.controlAt = host ? host.malloc(CONTROL_BYTES) : 0;
    if (host) new Int32Array(memory.buffer, this.controlAt, CONTROL_BYTES / 4).fill(0);
  }

  /**
   * Runs `body` with the byte offsets of `inputs` and `outputs` in the kernels' memory and of
   * `scratchBytes` of scratch space. Arrays that already live in that memory (the backend's tensors,
   * when the kernels share its memory) are used in place; the others are copied into scratch space,
   * and outputs copied back afterwards. Offsets are taken before anything is allocated: allocating
   * may grow the memory, which detaches the views of an unshared one.
   */
  call(inputs: Float32Array[], outputs: Float32Array[], scratchBytes: number, body: (inputs: Array<number | undefined>, outputs: Array<number | undefined>, scratch: number) => void): void {
    const resident = (array: Float32Array) => (array.buffer === this.memory.buffer ? array.byteOffset : undefined);
    const [inputsAt, outputsAt] = [inputs.map(resident), outputs.map(resident)];
    const elsewhere = (at: Array<number | undefined>) => at.flatMap((offset, i) => (offset === undefined ? [i] : []));
    const [copiedInputs, copiedOutputs] = [elsewhere(inputsAt), elsewhere(outputsAt)];
    const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
    let bytes = align(scratchBytes);
    const place = (arrays: Float32Array[], at: Array<number | undefined>, copied: number[]) =>
      copied.forEach((i) => {
        at[i] = bytes;
        bytes += align(4 * arrays[i]!.length);
      });
    place(inputs, inputsAt, copiedInputs);
    place(outputs, outputsAt, copiedOutputs);
    const base = this.scratch(bytes);
    // Offsets relative to the scratch block become absolute ones.
    for (const i of copiedInputs) {
      inputsAt[i] = base + inputsAt[i]!;
      new Float32Array(this.memory.buffer, inputsAt[i], inputs[i]!.length).set(inputs[i]!);
    }
    for (const i of copiedOutputs) outputsAt[i] = base + outputsAt[i]!;
    body(inputsAt, outputsAt, base);
    for (const i of copiedOutputs) outputs[i]!.set(new Float32Array(this.memory.buffer, outputsAt[i], outputs[i]!.length));
  }

  /** A scratch block of at least `bytes` (16-byte aligned), kept between calls. */
  private scratch(bytes: number): number {
    if (bytes <= this.scratchBytes) return this.scratchAt;
    if (this.host) {
      this.freeScratch(this.host);
      // Room to align the block to 16 bytes, and to grow by half before the next allocation.
      const size = Math.ceil(bytes * 1.5) + 16;
      const pointer = this.host.malloc(size);
      if (!pointer) throw new WasmBackendError(`The WebAssembly backend could not allocate ${size} bytes of scratch space for the SIMD kernels.`);
      this.scratchBlock = pointer;
      this.scratchAt = Math.ceil(pointer / 16) * 16;
      this.scratchBytes = size - 16;
    } else {
      const missing = DATA_START + bytes - this.memory.buffer.byteLength;
      if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
      this.scratchBytes = this.memory.buffer.byteLength - DATA_START;
    }
    return this.scratchAt;
  }

  private freeScratch(host: HostMemory): void {
    if (this.scratchBlock) host.free(this.scratchBlock);
    this.scratchBlock = 0;
    this.scratchBytes = 0;
  }


  /** In the backend's memory, frees the scratch space and the control block. */
  dispose(): void {
    if (this.host) {
      this.freeScratch(this.host);
      this.host.free(this.controlAt);
    }
  }
}
