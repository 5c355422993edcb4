// Probe (not shipped): the filter gradient of a 3x3, stride-1, 'same' convolution in wasm SIMD, one
// thread, to measure against XNNPACK through the library's kernel. dw[t][c][o] += sum over positions
// p of xp[p shifted by tap t][c] * dy[p][o]; xp is x padded by one pixel: [n, h + 2, w + 2, ci].
#include <wasm_simd128.h>

__attribute__((export_name("dw3x3")))
void dw3x3(const float *xp, const float *dy, float *dw, int n, int h, int w, int ci, int co) {
  const int pw = w + 2, ph = h + 2;
  for (int i = 0; i < 9 * ci * co; i++) dw[i] = 0.f;
  // One image at a time: its dy ([h * w, co], at most 100 KB here) stays in cache across taps and blocks.
  for (int b = 0; b < n; b++) {
    const float *dyImage = dy + b * h * w * co;
    const float *xImage = xp + b * ph * pw * ci;
    for (int t = 0; t < 9; t++) {
      const int ti = t / 3, tj = t % 3;
      for (int c0 = 0; c0 < ci; c0 += 4) {
        for (int o0 = 0; o0 < co; o0 += 16) {
          float *out = dw + (t * ci + c0) * co + o0;
          v128_t a[4][4];
          for (int r = 0; r < 4; r++)
            for (int k = 0; k < 4; k++) a[r][k] = c0 + r < ci ? wasm_v128_load(out + r * co + 4 * k) : wasm_f32x4_splat(0.f);
          const int lanes = ci - c0 < 4 ? ci - c0 : 4;
          for (int y = 0; y < h; y++) {
            const float *xs = xImage + ((y + ti) * pw + tj) * ci + c0;
            const float *d = dyImage + y * w * co + o0;
            for (int x = 0; x < w; x++, xs += ci, d += co) {
              const v128_t d0 = wasm_v128_load(d), d1 = wasm_v128_load(d + 4), d2 = wasm_v128_load(d + 8), d3 = wasm_v128_load(d + 12);
              for (int r = 0; r < lanes; r++) {
                const v128_t s = wasm_f32x4_splat(xs[r]);
                a[r][0] = wasm_f32x4_add(a[r][0], wasm_f32x4_mul(s, d0));
                a[r][1] = wasm_f32x4_add(a[r][1], wasm_f32x4_mul(s, d1));
                a[r][2] = wasm_f32x4_add(a[r][2], wasm_f32x4_mul(s, d2));
                a[r][3] = wasm_f32x4_add(a[r][3], wasm_f32x4_mul(s, d3));
              }
            }
          }
          for (int r = 0; r < lanes; r++)
            for (int k = 0; k < 4; k++) wasm_v128_store(out + r * co + 4 * k, a[r][k]);
        }
      }
    }
  }
}
