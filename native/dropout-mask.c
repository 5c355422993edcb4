// Dropout's multiplier in WebAssembly SIMD: four xorshift32 generators (Marsaglia's 13/17/5), one per
// lane, value i from lane i % 4. A value is kept (written as `scale`, else 0) when its top 24 bits
// are at least `threshold`; the caller derives the threshold from the rate so that this equals
// tfjs-core's floor(u + keep) test for u = top bits / 2^24. src/wasm/kernels/dropout-mask.ts has the same
// generator in JavaScript, value for value. Calling thread only; no linear-memory stack.
#include <wasm_simd128.h>

static inline v128_t next(v128_t s) {
  s = wasm_v128_xor(s, wasm_i32x4_shl(s, 13));
  s = wasm_v128_xor(s, wasm_u32x4_shr(s, 17));
  return wasm_v128_xor(s, wasm_i32x4_shl(s, 5));
}

__attribute__((export_name("dropout_mask")))
void dropout_mask(float *out, int n, unsigned s0, unsigned s1, unsigned s2, unsigned s3, unsigned threshold, float scale) {
  v128_t s = wasm_u32x4_make(s0, s1, s2, s3);
  const v128_t limit = wasm_u32x4_splat(threshold);
  const v128_t value = wasm_f32x4_splat(scale);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s = next(s);
    wasm_v128_store(out + i, wasm_v128_and(wasm_u32x4_ge(wasm_u32x4_shr(s, 8), limit), value));
  }
  if (i < n) {
    s = next(s);
    const v128_t last = wasm_v128_and(wasm_u32x4_ge(wasm_u32x4_shr(s, 8), limit), value);
    out[i] = wasm_f32x4_extract_lane(last, 0);
    if (i + 1 < n) out[i + 1] = wasm_f32x4_extract_lane(last, 1);
    if (i + 2 < n) out[i + 2] = wasm_f32x4_extract_lane(last, 2);
  }
}
