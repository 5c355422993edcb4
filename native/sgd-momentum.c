// KerasSGD's momentum update in WebAssembly SIMD (src/training/sgd.ts): v' = momentum * v - rate * g,
// w' = w + v', each operation rounded to float32 as tfjs' Multiply, Sub and Add kernels round it
// (WebAssembly has no fused multiply-add here, so nothing is contracted), in one pass instead of
// four kernels. A call handles the elements [begin, end). No linear-memory stack.
#include <wasm_simd128.h>

__attribute__((export_name("sgd_momentum")))
void sgd_momentum(int begin, int end, const float *w, const float *v, const float *g, float rate, float momentum, float *next_w, float *next_v) {
  const v128_t r = wasm_f32x4_splat(rate), m = wasm_f32x4_splat(momentum);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    const v128_t velocity = wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(v + i), m), wasm_f32x4_mul(wasm_v128_load(g + i), r));
    wasm_v128_store(next_v + i, velocity);
    wasm_v128_store(next_w + i, wasm_f32x4_add(wasm_v128_load(w + i), velocity));
  }
  for (; i < end; i++) {
    const float velocity = v[i] * momentum - g[i] * rate;
    next_v[i] = velocity;
    next_w[i] = w[i] + velocity;
  }
}
