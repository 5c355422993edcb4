// Batch normalisation's training pass in WebAssembly SIMD, for the layer's fused kernel
// (src/wasm/kernels/batch-norm-training.ts): x is [rows, c], channels last, c a multiple of 16. Work is cut
// into blocks of ROW_BLOCK rows: every function takes the blocks [begin, end) (the caller gives all).
// Sums are accumulated in float32 registers over a block and stored per block; the caller adds the
// blocks in order in double precision and computes the per-channel factors. Like filter-gradient.c
// it uses no linear-memory stack: every accumulator lives in memory the caller reserved.
#include <wasm_simd128.h>

// Rows per float32 partial sum: long enough to keep the accumulators in registers, short enough
// that float32 rounding stays far below the double total's (relative error ~1e-6 for 256 values).
#define ROW_BLOCK 256

// Sums over `rows` rows of 16 channels (4 vectors each), in registers, stored to out: x (square = 0)
// or (x - mean)^2 (square = 1), the difference in float32 as tf.moments.
static inline __attribute__((always_inline)) void sum_block(const float *x, int rows, int c, const float *mean, float *out, const int square) {
  v128_t s[4], m[4];
  for (int k = 0; k < 4; k++) s[k] = wasm_f32x4_splat(0.f), m[k] = square ? wasm_v128_load(mean + 4 * k) : wasm_f32x4_splat(0.f);
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < 4; k++) {
      const v128_t v = wasm_v128_load(x + r * c + 4 * k);
      const v128_t d = wasm_f32x4_sub(v, m[k]);
      s[k] = wasm_f32x4_add(s[k], square ? wasm_f32x4_mul(d, d) : v);
    }
  for (int k = 0; k < 4; k++) wasm_v128_store(out + 4 * k, s[k]);
}
static void sum_values(const float *x, int rows, int c, float *out) { sum_block(x, rows, c, 0, out, 0); }
static void sum_squares(const float *x, int rows, int c, const float *mean, float *out) { sum_block(x, rows, c, mean, out, 1); }

static inline int block_rows(int block, int rows) { return rows - block * ROW_BLOCK < ROW_BLOCK ? rows - block * ROW_BLOCK : ROW_BLOCK; }

// Per block of rows and channel: the sum of x (mean = 0) or of (x - mean)^2, into partials[block * c + j].
__attribute__((export_name("batch_norm_block_sums")))
void batch_norm_block_sums(int begin, int end, const float *x, int rows, int c, const float *mean, float *partials) {
  for (int b = begin; b < end; b++)
    for (int j = 0; j < c; j += 16) {
      const float *xb = x + b * ROW_BLOCK * c + j;
      if (mean) sum_squares(xb, block_rows(b, rows), c, mean + j, partials + b * c + j);
      else sum_values(xb, block_rows(b, rows), c, partials + b * c + j);
    }
}

// y = (x - mean) * factor + offset, per channel, for the rows of blocks [begin, end).
__attribute__((export_name("batch_norm_apply")))
void batch_norm_apply(int begin, int end, const float *x, int rows, int c, const float *mean, const float *factor, const float *offset, float *y) {
  const int last = end * ROW_BLOCK < rows ? end * ROW_BLOCK : rows;
  for (int r = begin * ROW_BLOCK; r < last; r++)
    for (int j = 0; j < c; j += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * c + j), wasm_v128_load(mean + j));
      wasm_v128_store(y + r * c + j, wasm_f32x4_add(wasm_f32x4_mul(d, wasm_v128_load(factor + j)), wasm_v128_load(offset + j)));
    }
}

// Sums of g and g * (x - mean) over `rows` rows of 16 channels, in registers, stored to out and out + c.
static void gradient_sums_block(const float *g, const float *x, int rows, int c, const float *mean, float *out) {
  v128_t s[4], t[4], m[4];
  for (int k = 0; k < 4; k++) s[k] = t[k] = wasm_f32x4_splat(0.f), m[k] = wasm_v128_load(mean + 4 * k);
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < 4; k++) {
      const v128_t gv = wasm_v128_load(g + r * c + 4 * k);
      s[k] = wasm_f32x4_add(s[k], gv);
      t[k] = wasm_f32x4_add(t[k], wasm_f32x4_mul(gv, wasm_f32x4_sub(wasm_v128_load(x + r * c + 4 * k), m[k])));
    }
  for (int k = 0; k < 4; k++) wasm_v128_store(out + 4 * k, s[k]), wasm_v128_store(out + c + 4 * k, t[k]);
}

// Per block of rows and channel: the sum of g into partials[block * 2c + j], of g * (x - mean) into
// partials[block * 2c + c + j].
__attribute__((export_name("batch_norm_gradient_block_sums")))
void batch_norm_gradient_block_sums(int begin, int end, const float *g, const float *x, int rows, int c, const float *mean, float *partials) {
  for (int b = begin; b < end; b++)
    for (int j = 0; j < c; j += 16)
      gradient_sums_block(g + b * ROW_BLOCK * c + j, x + b * ROW_BLOCK * c + j, block_rows(b, rows), c, mean + j, partials + 2 * b * c + j);
}

// dx = a * g + b * (x - mean) + k, per channel, for the rows of blocks [begin, end).
__attribute__((export_name("batch_norm_gradient_apply")))
void batch_norm_gradient_apply(int begin, int end, const float *g, const float *x, int rows, int c, const float *mean, const float *a, const float *b,
                               const float *k, float *dx) {
  const int last = end * ROW_BLOCK < rows ? end * ROW_BLOCK : rows;
  for (int r = begin * ROW_BLOCK; r < last; r++)
    for (int j = 0; j < c; j += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * c + j), wasm_v128_load(mean + j));
      const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(g + r * c + j)), wasm_f32x4_mul(wasm_v128_load(b + j), d));
      wasm_v128_store(dx + r * c + j, wasm_f32x4_add(v, wasm_v128_load(k + j)));
    }
}
