// A dense layer's three matrix products in WebAssembly SIMD, for the training pass of MiniVGGNet's
// 3136x512 layer: through the stock backend, XNNPACK's fully-connected operator repacks the weights
// on every call (they change every step) and the two gradients go through transposes.
//
//   forward:          y[i][j]  = sum over t of x[i][t] * w[t][j]  (+ bias[j])   x [m, k], w [k, n]
//   input gradient:   dx[i][t] = sum over j of dy[i][j] * w[t][j]                  dy [m, n]
//   weight gradient:  dw[t][j] = sum over i of x[i][t] * dy[i][j]
//
// Each call computes a range [begin, end) of one output dimension (columns j of y, columns t of dx,
// rows t of dw), so threads share the work without reductions (see runClaimedBlocks in
// src/wasm/simd/threads.ts). Register blocks of 8 vector accumulators, like native/filter-gradient.c,
// so that the accumulators, the loaded vectors, a splat and a product fit V8's 16 x86-64 SIMD
// registers (one of which V8 keeps as scratch); each block shape is a constant-size instance of one
// inlined function (see native/simd.h). One step per loop iteration: unrolled by hand, clang orders
// the multiply-adds accumulator by accumulator, which keeps every loaded vector of the unrolled
// steps live at once and makes V8 spill. n must be a multiple of 4 (src/wasm checks).
#include "simd.h"

// y[rows][vectors*4] block at column j of x·w over the rows [t0, t1) of w: starts from zero when t0
// is 0, else from the partial sums in y; adds the bias (if any) after the last row.
INLINE void forward_block(const float *x, const float *w, const float *bias, float *y, int t0, int t1, int k, int n, const int rows, const int vectors) {
  v128_t a[4][2];
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < vectors; v++) a[r][v] = t0 == 0 ? wasm_f32x4_splat(0.f) : wasm_v128_load(y + r * n + 4 * v);
  for (int t = t0; t < t1; t++) {
    v128_t wv[2];
    for (int v = 0; v < vectors; v++) wv[v] = wasm_v128_load(w + t * n + 4 * v);
    for (int r = 0; r < rows; r++) {
      const v128_t s = wasm_v128_load32_splat(x + r * k + t);
      for (int v = 0; v < vectors; v++) a[r][v] = madd(s, wv[v], a[r][v]);
    }
  }
  // The bias is added after the products, as XNNPACK's fused matrix product does.
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < vectors; v++) {
      const v128_t b = bias && t1 == k ? wasm_v128_load(bias + 4 * v) : wasm_f32x4_splat(0.f);
      wasm_v128_store(y + r * n + 4 * v, wasm_f32x4_add(a[r][v], b));
    }
}

#define FORWARD(ROWS, VECTORS) \
  static void forward_##ROWS##_##VECTORS(const float *x, const float *w, const float *bias, float *y, int t0, int t1, int k, int n) { \
    forward_block(x, w, bias, y, t0, t1, k, n, ROWS, VECTORS); \
  }
FORWARD(4, 2) FORWARD(1, 2) FORWARD(4, 1) FORWARD(1, 1)

/** Rows of w per pass over y: a strip of 8 columns of them (64-byte lines) stays in L1 while every row block of x uses it. */
#define FORWARD_CHUNK 128

// Columns [begin, end) of y = x·w + bias (multiples of 4; bias may be 0). The sums run over t in
// order, so chunking leaves them unchanged.
__attribute__((export_name("dense_forward")))
void dense_forward(int begin, int end, const float *x, const float *w, const float *bias, float *y, int m, int k, int n) {
  for (int t0 = 0; t0 < k; t0 += FORWARD_CHUNK) {
    const int t1 = k - t0 < FORWARD_CHUNK ? k : t0 + FORWARD_CHUNK;
    for (int j = begin; j < end;) {
      const int wide = end - j >= 8;
      const float *b = bias ? bias + j : 0;
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        if (wide) forward_4_2(x + i * k, w + j, b, y + i * n + j, t0, t1, k, n);
        else forward_4_1(x + i * k, w + j, b, y + i * n + j, t0, t1, k, n);
      }
      for (; i < m; i++) {
        if (wide) forward_1_2(x + i * k, w + j, b, y + i * n + j, t0, t1, k, n);
        else forward_1_1(x + i * k, w + j, b, y + i * n + j, t0, t1, k, n);
      }
      j += wide ? 8 : 4;
    }
  }
}

INLINE float horizontal_sum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// dx[rows][columns] block: dot products of dy's rows with w's rows, over n in fours.
INLINE void input_gradient_block(const float *dy, const float *w, float *dx, int k, int n, const int rows, const int columns) {
  v128_t a[2][4];
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < columns; c++) a[r][c] = wasm_f32x4_splat(0.f);
  for (int j = 0; j < n; j += 4) {
    v128_t d[2];
    for (int r = 0; r < rows; r++) d[r] = wasm_v128_load(dy + r * n + j);
    for (int c = 0; c < columns; c++) {
      const v128_t wv = wasm_v128_load(w + c * n + j);
      for (int r = 0; r < rows; r++) a[r][c] = madd(d[r], wv, a[r][c]);
    }
  }
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < columns; c++) dx[r * k + c] = horizontal_sum(a[r][c]);
}

#define INPUT_GRADIENT(ROWS, COLUMNS) \
  static void input_gradient_##ROWS##_##COLUMNS(const float *dy, const float *w, float *dx, int k, int n) { \
    input_gradient_block(dy, w, dx, k, n, ROWS, COLUMNS); \
  }
INPUT_GRADIENT(2, 4) INPUT_GRADIENT(1, 4) INPUT_GRADIENT(2, 1) INPUT_GRADIENT(1, 1)

// Columns [begin, end) of dx = dy·wᵀ. Four rows of w (8 KB for n = 512) stay in L1 while every row of
// dy passes them.
__attribute__((export_name("dense_input_gradient")))
void dense_input_gradient(int begin, int end, const float *dy, const float *w, float *dx, int m, int k, int n) {
  for (int t = begin; t < end;) {
    const int wide = end - t >= 4;
    int i = 0;
    for (; i + 2 <= m; i += 2) {
      if (wide) input_gradient_2_4(dy + i * n, w + t * n, dx + i * k + t, k, n);
      else input_gradient_2_1(dy + i * n, w + t * n, dx + i * k + t, k, n);
    }
    for (; i < m; i++) {
      if (wide) input_gradient_1_4(dy + i * n, w + t * n, dx + i * k + t, k, n);
      else input_gradient_1_1(dy + i * n, w + t * n, dx + i * k + t, k, n);
    }
    t += wide ? 4 : 1;
  }
}

// dw[lanes][vectors*4] block at row t, column j: over the m rows of x and dy.
INLINE void weight_gradient_block(const float *x, const float *dy, float *dw, int m, int k, int n, const int lanes, const int vectors) {
  v128_t a[4][2];
  for (int r = 0; r < lanes; r++)
    for (int v = 0; v < vectors; v++) a[r][v] = wasm_f32x4_splat(0.f);
  for (int i = 0; i < m; i++) {
    v128_t d[2];
    for (int v = 0; v < vectors; v++) d[v] = wasm_v128_load(dy + i * n + 4 * v);
    for (int r = 0; r < lanes; r++) {
      const v128_t s = wasm_v128_load32_splat(x + i * k + r);
      for (int v = 0; v < vectors; v++) a[r][v] = madd(s, d[v], a[r][v]);
    }
  }
  for (int r = 0; r < lanes; r++)
    for (int v = 0; v < vectors; v++) wasm_v128_store(dw + r * n + 4 * v, a[r][v]);
}

#define WEIGHT_GRADIENT(LANES, VECTORS) \
  static void weight_gradient_##LANES##_##VECTORS(const float *x, const float *dy, float *dw, int m, int k, int n) { \
    weight_gradient_block(x, dy, dw, m, k, n, LANES, VECTORS); \
  }
WEIGHT_GRADIENT(4, 2) WEIGHT_GRADIENT(4, 1) WEIGHT_GRADIENT(1, 2) WEIGHT_GRADIENT(1, 1)

// Rows [begin, end) of dw = xᵀ·dy.
__attribute__((export_name("dense_weight_gradient")))
void dense_weight_gradient(int begin, int end, const float *x, const float *dy, float *dw, int m, int k, int n) {
  for (int t = begin; t < end;) {
    const int four = end - t >= 4;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      if (four) weight_gradient_4_2(x + t, dy + j, dw + t * n + j, m, k, n);
      else weight_gradient_1_2(x + t, dy + j, dw + t * n + j, m, k, n);
    }
    for (; j < n; j += 4) {
      if (four) weight_gradient_4_1(x + t, dy + j, dw + t * n + j, m, k, n);
      else weight_gradient_1_1(x + t, dy + j, dw + t * n + j, m, k, n);
    }
    t += four ? 4 : 1;
  }
}
