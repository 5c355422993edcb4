// Which build of the library's SIMD kernels runs (native/build.sh makes two of one source): the
// relaxed-SIMD build, whose hot loops use fused multiply-adds (f32x4.relaxed_madd, a real vfmadd on
// x86-64 and fmla on arm64), where the engine takes it: Node 22+, Chromium 114+, Firefox 120+,
// Safari 16.4+ validate it; Node 20 keeps relaxed SIMD behind a V8 flag and rejects it. Elsewhere
// the SIMD128 build, whose products are rounded before they are added.
import { WasmBackendError } from '../../errors.js';
import { describeOneOf, invalid } from '../../validate.js';
import { RELAXED_SIMD_KERNELS_SHARED_WASM, RELAXED_SIMD_KERNELS_WASM } from '../simd-kernels-relaxed-wasm.js';
import { SIMD_KERNELS_SHARED_WASM, SIMD_KERNELS_WASM } from '../simd-kernels-wasm.js';

/**
 * A build of the SIMD kernels: `'relaxed'` (relaxed SIMD, fused multiply-adds) or `'simd128'` (the
 * fall-back, SIMD128 only).
 */
export type SimdKernelBuild = 'relaxed' | 'simd128';

/**
 * The environment variable that forces a build in Node: `simd128` (the fall-back, e.g. to compare
 * with results recorded on engines without relaxed SIMD), `relaxed` (an error where the engine
 * rejects it) or `auto` (the default: relaxed where the engine validates it).
 */
export const SIMD_KERNEL_BUILD_VARIABLE = 'TFJS_FASHION_MNIST_WASM_BUILD';

const BUILDS: readonly string[] = ['auto', 'relaxed', 'simd128'];

function decode(base64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(base64, 'base64'));
  const text = atob(base64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** The wasm bytes of `build`, for a shared memory (worker threads) or a plain one. */
export function simdKernelBytes(build: SimdKernelBuild, shared: boolean): Uint8Array {
  if (build === 'relaxed') return decode(shared ? RELAXED_SIMD_KERNELS_SHARED_WASM : RELAXED_SIMD_KERNELS_WASM);
  return decode(shared ? SIMD_KERNELS_SHARED_WASM : SIMD_KERNELS_WASM);
}

let relaxedValid: boolean | undefined;

/**
 * Whether this engine takes the relaxed-SIMD build (`WebAssembly.validate` of its plain-memory
 * variant, once per process; the shared variant needs threads as well, which the caller checks).
 */
export function relaxedSimdSupported(): boolean {
  relaxedValid ??= WebAssembly.validate(simdKernelBytes('relaxed', false) as BufferSource);
  return relaxedValid;
}

/** Forgets the validation result, for tests that turn the engine's relaxed SIMD on at run time. */
export function forgetRelaxedSimdSupport(): void {
  relaxedValid = undefined;
}

/** The value of {@link SIMD_KERNEL_BUILD_VARIABLE} in Node, else undefined. */
function requestedByEnvironment(): string | undefined {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env?.[SIMD_KERNEL_BUILD_VARIABLE];
}

/**
 * The build to run: `requested` if given, else the one {@link SIMD_KERNEL_BUILD_VARIABLE} names,
 * else (or for `'auto'`) the relaxed build where {@link relaxedSimdSupported}, else SIMD128.
 *
 * @throws {@link InvalidArgumentError} for an unknown `requested` build; {@link WasmBackendError}
 *   for an unknown value of the environment variable, or the relaxed build asked for on an engine
 *   that rejects it.
 */
export function chooseSimdKernelBuild(requested?: SimdKernelBuild | 'auto'): SimdKernelBuild {
  if (requested !== undefined && !BUILDS.includes(requested)) throw invalid('options.build', requested, describeOneOf(BUILDS));
  const variable = requested === undefined ? requestedByEnvironment() : undefined;
  const value = requested ?? (variable || 'auto');
  const source = requested === undefined ? `${SIMD_KERNEL_BUILD_VARIABLE}=${value}` : `build: '${value}'`;
  if (!BUILDS.includes(value)) throw new WasmBackendError(`The environment variable ${SIMD_KERNEL_BUILD_VARIABLE} must be auto, relaxed or simd128 (or unset), but is ${JSON.stringify(value)}.`);
  if (value === 'simd128') return 'simd128';
  if (relaxedSimdSupported()) return 'relaxed';
  if (value === 'relaxed') {
    throw new WasmBackendError(`The relaxed-SIMD build of the kernels was asked for (${source}), but this engine rejects relaxed SIMD (Node 20 and older browsers do); ask for simd128 or auto.`);
  }
  return 'simd128';
}
