// Which build of the SIMD kernels runs (src/wasm/simd/module.ts): relaxed SIMD where the engine
// validates it (Node 22+ by default; Node 20 only behind a V8 flag), else the SIMD128 fall-back,
// and the environment variable that forces one.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, WasmBackendError } from '../src/errors.js';
import { createSimdKernels } from '../src/wasm/simd/lifecycle.js';
import { chooseSimdKernelBuild, relaxedSimdSupported, SIMD_KERNEL_BUILD_VARIABLE, simdKernelBytes } from '../src/wasm/simd/module.js';

/** Node 22 and later ship relaxed SIMD; Node 20 keeps it behind --experimental-wasm-relaxed-simd. */
const shipsRelaxedSimd = Number(process.versions.node.split('.')[0]) >= 22;
const defaultBuild = shipsRelaxedSimd ? 'relaxed' : 'simd128';

afterEach(() => {
  delete process.env[SIMD_KERNEL_BUILD_VARIABLE];
});

describe('the SIMD kernel builds', () => {
  it(`validates the relaxed-SIMD build on Node 22 and later only (this is Node ${process.version})`, () => {
    expect(relaxedSimdSupported()).toBe(shipsRelaxedSimd);
    // The SIMD128 build, plain and shared, validates everywhere the kernels run.
    expect(WebAssembly.validate(simdKernelBytes('simd128', false) as BufferSource)).toBe(true);
    expect(WebAssembly.validate(simdKernelBytes('simd128', true) as BufferSource)).toBe(true);
  });

  it(`picks the ${defaultBuild} build by default, and for auto`, () => {
    expect(chooseSimdKernelBuild()).toBe(defaultBuild);
    expect(chooseSimdKernelBuild('auto')).toBe(defaultBuild);
    process.env[SIMD_KERNEL_BUILD_VARIABLE] = 'auto';
    expect(chooseSimdKernelBuild()).toBe(defaultBuild);
  });

  it(`forces the SIMD128 fall-back with ${SIMD_KERNEL_BUILD_VARIABLE}=simd128, and the option over the variable`, async () => {
    process.env[SIMD_KERNEL_BUILD_VARIABLE] = 'simd128';
    expect(chooseSimdKernelBuild()).toBe('simd128');
    const kernels = await createSimdKernels(1, undefined);
    expect(kernels.build).toBe('simd128');
    await kernels.dispose();
    expect(chooseSimdKernelBuild(defaultBuild)).toBe(defaultBuild);
  });

  it.runIf(shipsRelaxedSimd)(`runs the relaxed build with ${SIMD_KERNEL_BUILD_VARIABLE}=relaxed`, () => {
    process.env[SIMD_KERNEL_BUILD_VARIABLE] = 'relaxed';
    expect(chooseSimdKernelBuild()).toBe('relaxed');
  });

  it.skipIf(shipsRelaxedSimd)('refuses the relaxed build, asked for, on an engine that rejects it', () => {
    process.env[SIMD_KERNEL_BUILD_VARIABLE] = 'relaxed';
    expect(() => chooseSimdKernelBuild()).toThrow(WasmBackendError);
    expect(() => chooseSimdKernelBuild()).toThrow(
      `The relaxed-SIMD build of the kernels was asked for (${SIMD_KERNEL_BUILD_VARIABLE}=relaxed), but this engine rejects relaxed SIMD (Node 20 and older browsers do); ask for simd128 or auto.`,
    );
    expect(() => chooseSimdKernelBuild('relaxed')).toThrow("(build: 'relaxed')");
  });

  it('names the variable and the values it takes for a value it does not know, and the option likewise', () => {
    process.env[SIMD_KERNEL_BUILD_VARIABLE] = 'avx512';
    expect(() => chooseSimdKernelBuild()).toThrow(new WasmBackendError(`The environment variable ${SIMD_KERNEL_BUILD_VARIABLE} must be auto, relaxed or simd128 (or unset), but is "avx512".`));
    expect(() => chooseSimdKernelBuild('fast' as 'auto')).toThrow(InvalidArgumentError);
    expect(() => chooseSimdKernelBuild('fast' as 'auto')).toThrow(`Argument \`options.build\` must be one of "auto", "relaxed" or "simd128", but received "fast".`);
  });
});
