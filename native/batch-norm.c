// Batch normalisation's training pass in WebAssembly SIMD, for the layer's fused kernel
// (src/wasm/batch-norm-training.ts): x is [rows, c], channels last, c a multiple of 16. Sums are
// accumulated in float32 registers over blocks of rows, then in double precision; per-channel factors are computed by the caller in JavaScript.
// Runs on the calling thread only. Like filter-gradient.c it uses no linear-memory stack: every
// accumulator lives in memory the caller reserved.
#include <wasm_simd128.h>

// Adds the four floats of v to acc[0..3] (doubles).
static inline __attribute__((always_inline)) void add_promoted(double *acc, v128_t v) {
  const v128_t high = wasm_i32x4_shuffle(v, v, 2, 3, 0, 1);
  wasm_v128_store(acc, wasm_f64x2_add(wasm_v128_load(acc), wasm_f64x2_promote_low_f32x4(v)));
  wasm_v128_store(acc + 2, wasm_f64x2_add(wasm_v128_load(acc + 2), wasm_f64x2_promote_low_f32x4(high)));
}

// Rows per float32 partial sum: long enough to keep the accumulators in registers, short enough
// that float32 rounding stays far below the double total's (relative error ~1e-6 for 256 values).
#define ROW_BLOCK 256

// Sums over `rows` rows of 16 channels (4 vectors each), in registers, added to acc (doubles):
// acc += x (square = 0) or acc += (x - mean)^2 (square = 1), the difference in float32 as tf.moments.
static inline __attribute__((always_inline)) void sum_block(const float *x, int rows, int c, const float *mean, double *acc, const int square) {
  v128_t s[4], m[4];
  for (int k = 0; k < 4; k++) s[k] = wasm_f32x4_splat(0.f), m[k] = square ? wasm_v128_load(mean + 4 * k) : wasm_f32x4_splat(0.f);
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < 4; k++) {
      const v128_t v = wasm_v128_load(x + r * c + 4 * k);
      const v128_t d = wasm_f32x4_sub(v, m[k]);
      s[k] = wasm_f32x4_add(s[k], square ? wasm_f32x4_mul(d, d) : v);
    }
  for (int k = 0; k < 4; k++) add_promoted(acc + 4 * k, s[k]);
}
static void sum_values(const float *x, int rows, int c, double *acc) { sum_block(x, rows, c, 0, acc, 0); }
static void sum_squares(const float *x, int rows, int c, const float *mean, double *acc) { sum_block(x, rows, c, mean, acc, 1); }

// Per channel: mean, then the mean of (x - mean)^2 (two passes, as tf.moments). c is a multiple of 16.
__attribute__((export_name("batch_norm_moments")))
void batch_norm_moments(const float *x, int rows, int c, double *acc, float *mean, float *variance) {
  for (int j = 0; j < c; j++) acc[j] = 0;
  for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK)
    for (int j = 0; j < c; j += 16) sum_values(x + r0 * c + j, rows - r0 < ROW_BLOCK ? rows - r0 : ROW_BLOCK, c, acc + j);
  for (int j = 0; j < c; j++) mean[j] = (float)(acc[j] / rows);
  for (int j = 0; j < c; j++) acc[j] = 0;
  for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK)
    for (int j = 0; j < c; j += 16) sum_squares(x + r0 * c + j, rows - r0 < ROW_BLOCK ? rows - r0 : ROW_BLOCK, c, mean + j, acc + j);
  for (int j = 0; j < c; j++) variance[j] = (float)(acc[j] / rows);
}

// y = (x - mean) * factor + offset, per channel.
__attribute__((export_name("batch_norm_apply")))
void batch_norm_apply(const float *x, int rows, int c, const float *mean, const float *factor, const float *offset, float *y) {
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < c; j += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * c + j), wasm_v128_load(mean + j));
      wasm_v128_store(y + r * c + j, wasm_f32x4_add(wasm_f32x4_mul(d, wasm_v128_load(factor + j)), wasm_v128_load(offset + j)));
    }
}

// Sums of g and g * (x - mean) over `rows` rows of 16 channels, in registers, added to sums and
// sums + c (doubles).
static void gradient_sums_block(const float *g, const float *x, int rows, int c, const float *mean, double *sums) {
  v128_t s[4], t[4], m[4];
  for (int k = 0; k < 4; k++) s[k] = t[k] = wasm_f32x4_splat(0.f), m[k] = wasm_v128_load(mean + 4 * k);
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < 4; k++) {
      const v128_t gv = wasm_v128_load(g + r * c + 4 * k);
      s[k] = wasm_f32x4_add(s[k], gv);
      t[k] = wasm_f32x4_add(t[k], wasm_f32x4_mul(gv, wasm_f32x4_sub(wasm_v128_load(x + r * c + 4 * k), m[k])));
    }
  for (int k = 0; k < 4; k++) add_promoted(sums + 4 * k, s[k]), add_promoted(sums + c + 4 * k, t[k]);
}

// Per channel: sum of g and sum of g * (x - mean), into sums[0..c) and sums[c..2c). c is a multiple of 16.
__attribute__((export_name("batch_norm_gradient_sums")))
void batch_norm_gradient_sums(const float *g, const float *x, int rows, int c, const float *mean, double *sums) {
  for (int j = 0; j < 2 * c; j++) sums[j] = 0;
  for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK)
    for (int j = 0; j < c; j += 16)
      gradient_sums_block(g + r0 * c + j, x + r0 * c + j, rows - r0 < ROW_BLOCK ? rows - r0 : ROW_BLOCK, c, mean + j, sums + j);
}

// dx = a * g + b * (x - mean) + k, per channel.
__attribute__((export_name("batch_norm_gradient_apply")))
void batch_norm_gradient_apply(const float *g, const float *x, int rows, int c, const float *mean, const float *a, const float *b, const float *k,
                               float *dx) {
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < c; j += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * c + j), wasm_v128_load(mean + j));
      const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(g + r * c + j)), wasm_f32x4_mul(wasm_v128_load(b + j), d));
      wasm_v128_store(dx + r * c + j, wasm_f32x4_add(v, wasm_v128_load(k + j)));
    }
}
