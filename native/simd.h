// What the kernels share: forced inlining (every register block is a constant-size instance of
// one inlined function: no linear-memory stack, which threads sharing the memory cannot have) and
// the multiply-add of the hot loops.
//
// native/build.sh builds every kernel twice. With -mrelaxed-simd (clang-16) madd is relaxed SIMD's
// f32x4.relaxed_madd, which V8 compiles to one fused vfmadd (x86-64 with FMA3) or fmla (arm64):
// half the arithmetic instructions, one rounding instead of two, and no register for the product.
// Without it (the SIMD128 fall-back, clang-14) the product is rounded, then added, as the kernels
// always did: the same bits as before relaxed SIMD. No other operation is fused (-ffp-contract=off).
#ifndef KERNELS_SIMD_H
#define KERNELS_SIMD_H
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

/** acc + a * b, lane by lane. */
INLINE v128_t madd(v128_t a, v128_t b, v128_t acc) {
#ifdef __wasm_relaxed_simd__
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)a, (__f32x4)b, (__f32x4)acc);
#else
  return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b));
#endif
}

#endif
