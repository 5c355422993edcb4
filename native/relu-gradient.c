// The gradient of ReLU as tfjs-core computes it, dx = dy · step(x), in WebAssembly SIMD: dy times 1
// where x > 0, times NaN where x is NaN, times 0 elsewhere (so 0 with dy's sign, or NaN where dy is
// infinite or NaN). One pass instead of tfjs' Step and Multiply. A call handles the elements
// [begin, end) (src/wasm/simd/kernels.ts gives all). No linear-memory stack.
#include <wasm_simd128.h>

static inline v128_t step(v128_t x) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  const v128_t positive = wasm_v128_bitselect(wasm_f32x4_splat(1.f), zero, wasm_f32x4_gt(x, zero));
  return wasm_v128_bitselect(wasm_f32x4_splat(__builtin_nanf("")), positive, wasm_f32x4_ne(x, x));
}

__attribute__((export_name("relu_gradient")))
void relu_gradient(int begin, int end, const float *dy, const float *x, float *dx) {
  int i = begin;
  for (; i + 4 <= end; i += 4) wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step(wasm_v128_load(x + i))));
  for (; i < end; i++) {
    const float s = x[i] > 0.f ? 1.f : x[i] != x[i] ? __builtin_nanf("") : 0.f;
    dx[i] = dy[i] * s;
  }
}
