// The builds of the library's SIMD kernels a test file checks: the SIMD128 fall-back always, and the
// relaxed-SIMD build. Node 22+ validates the relaxed build by default; Node 20 keeps relaxed SIMD
// behind a V8 flag, which this helper turns on for the test process (the kernels compiled after it
// see it), so that CI, on Node 20, tests both builds. Where the relaxed build still does not
// validate, its tests are skipped with a note, except in CI (CI=true), where that fails the file.
import { setFlagsFromString } from 'node:v8';
import { forgetRelaxedSimdSupport, relaxedSimdSupported, type SimdKernelBuild } from '../../src/wasm/simd/module.js';

/** Node 20's V8 flag for relaxed SIMD (shipped by default from Node 22 on, where the flag is gone). */
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/** Turns relaxed SIMD on in Node 20's V8, if it is off; a no-op elsewhere. */
export function enableRelaxedSimd(): void {
  if (relaxedSimdSupported()) return;
  if (process.versions.node.startsWith('20.')) setFlagsFromString(RELAXED_SIMD_FLAG);
  forgetRelaxedSimdSupport();
}

/**
 * The builds to test, after {@link enableRelaxedSimd}: both, or the SIMD128 build alone (with a
 * warning) where the engine rejects the relaxed one; with CI=true that throws instead.
 *
 * @example describe.each(kernelBuilds())('the %s build', (build) => { ... });
 */
export function kernelBuilds(): SimdKernelBuild[] {
  enableRelaxedSimd();
  if (relaxedSimdSupported()) return ['simd128', 'relaxed'];
  const message = `Node ${process.version} rejects the relaxed-SIMD build of the kernels even with ${RELAXED_SIMD_FLAG}`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI tests both builds.`);
  console.warn(`${message}: testing the SIMD128 build only.`);
  return ['simd128'];
}
