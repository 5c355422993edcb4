// The gradient of 2x2 max pooling with stride 2 and no padding (both pooling layers of MiniVGGNet)
// in WebAssembly SIMD: each output gradient goes to the first maximum of its window in row-major
// order (strictly greater wins, NaN never does), as tfjs-backend-cpu routes it. x and dx are
// [n, h, w, c], dy is [n, h / 2, w / 2, c] (rounded down), c a multiple of 4. Windows do not overlap,
// so every element of dx is written once: the gradient or zero; a last odd row or column, which no
// window covers, is zeroed. A call handles images [begin, end) (src/wasm/simd/kernels.ts gives all). No
// linear-memory stack.
#include <wasm_simd128.h>

__attribute__((export_name("max_pool_gradient_2x2")))
void max_pool_gradient_2x2(int begin, int end, const float *x, const float *dy, float *dx, int n, int h, int w, int c) {
  const int oh = h / 2, ow = w / 2, row = w * c;
  const v128_t zero = wasm_f32x4_splat(0.f);
  (void)n;
  for (int b = begin; b < end; b++) {
    const float *xi = x + b * h * row;
    float *dxi = dx + b * h * row;
    const float *dyi = dy + b * oh * ow * c;
    for (int y = 0; y < oh; y++) {
      for (int i = 0; i < ow; i++) {
        const int p0 = 2 * y * row + 2 * i * c, p1 = p0 + c, p2 = p0 + row, p3 = p2 + c;
        for (int j = 0; j < c; j += 4) {
          const v128_t v0 = wasm_v128_load(xi + p0 + j), v1 = wasm_v128_load(xi + p1 + j);
          const v128_t v2 = wasm_v128_load(xi + p2 + j), v3 = wasm_v128_load(xi + p3 + j);
          // Masks of the window position holding the first maximum so far (all zero: none yet).
          v128_t m = wasm_f32x4_splat(-__builtin_inff());
          const v128_t g0 = wasm_f32x4_gt(v0, m);
          m = wasm_v128_bitselect(v0, m, g0);
          const v128_t g1 = wasm_f32x4_gt(v1, m);
          m = wasm_v128_bitselect(v1, m, g1);
          const v128_t g2 = wasm_f32x4_gt(v2, m);
          m = wasm_v128_bitselect(v2, m, g2);
          const v128_t g3 = wasm_f32x4_gt(v3, m);
          // A later greater value takes the place: position k wins if gk and no later gl.
          const v128_t w3 = g3, w2 = wasm_v128_andnot(g2, g3);
          const v128_t w1 = wasm_v128_andnot(wasm_v128_andnot(g1, g2), g3);
          const v128_t w0 = wasm_v128_andnot(wasm_v128_andnot(wasm_v128_andnot(g0, g1), g2), g3);
          const v128_t d = wasm_v128_load(dyi + (y * ow + i) * c + j);
          wasm_v128_store(dxi + p0 + j, wasm_v128_bitselect(d, zero, w0));
          wasm_v128_store(dxi + p1 + j, wasm_v128_bitselect(d, zero, w1));
          wasm_v128_store(dxi + p2 + j, wasm_v128_bitselect(d, zero, w2));
          wasm_v128_store(dxi + p3 + j, wasm_v128_bitselect(d, zero, w3));
        }
      }
      if (w % 2) for (int r = 2 * y; r < 2 * y + 2; r++) for (int j = 0; j < c; j++) dxi[r * row + (w - 1) * c + j] = 0.f;
    }
    if (h % 2) for (int k = 0; k < row; k++) dxi[(h - 1) * row + k] = 0.f;
  }
}
