// The filter gradient (dW) of a stride-1 2-D convolution, NHWC, in WebAssembly SIMD: the library's
// Conv2DBackpropFilter for the layers of MiniVGGNet, where XNNPACK (through a forward convolution)
// packs all of dy as a filter on every call (see docs/benchmarks.md, "A filter-gradient kernel").
//
//   dw[ti][tj][c][o] = sum over images b and output positions (y, x) of
//                      xp[b][y + ti][x + tj][c] * dy[b][y][x][o]
//
// xp is x with the convolution's padding already applied: [n, ph, pw, ci]; dy is [n, oh, ow, co];
// dw is [kh, kw, ci, co]. A call computes the output channels [o_begin, o_end) only (multiples of 4),
// so threads can share one dW without reductions. Built by native/build.sh with a pinned clang.
//
// Register blocks: 4 input channels x 8 output channels (8 vector accumulators, as XNNPACK's 4x8
// wasm GEMM kernels; 1-2 input channels x 16 output channels for a first layer's few channels), over every position of one image, so that image's dy stays in cache across
// taps and blocks. Eight accumulators, two dy vectors, a splat and a product fit the 16 SIMD
// registers V8 gives x86-64 code; the 4x16 blocks used before spilled, and measured 25-30% slower on
// MiniVGGNet's large layers (bench/filter-gradient.ts). Every block shape is a separate
// constant-size instance of one inlined function, so the accumulators stay in wasm locals and the
// code uses no linear-memory stack (threads share the memory; see native/simd.h).
#include "simd.h"

INLINE void accumulate(const float *x, const float *dy, float *out, int oh, int ow, int pw,
                       int ci, int co, const int lanes, const int vectors) {
  v128_t a[4][4];
  for (int r = 0; r < lanes; r++)
    for (int k = 0; k < vectors; k++) a[r][k] = wasm_v128_load(out + r * co + 4 * k);
  for (int y = 0; y < oh; y++) {
    const float *xs = x + y * pw * ci;
    const float *d = dy + y * ow * co;
    for (int i = 0; i < ow; i++, xs += ci, d += co) {
      v128_t dv[4];
      for (int k = 0; k < vectors; k++) dv[k] = wasm_v128_load(d + 4 * k);
      for (int r = 0; r < lanes; r++) {
        const v128_t s = wasm_f32x4_splat(xs[r]);
        for (int k = 0; k < vectors; k++) a[r][k] = madd(s, dv[k], a[r][k]);
      }
    }
  }
  for (int r = 0; r < lanes; r++)
    for (int k = 0; k < vectors; k++) wasm_v128_store(out + r * co + 4 * k, a[r][k]);
}

#define BLOCK(LANES, VECTORS) \
  static void block_##LANES##_##VECTORS(const float *x, const float *dy, float *out, int oh, int ow, int pw, int ci, int co) { \
    accumulate(x, dy, out, oh, ow, pw, ci, co, LANES, VECTORS); \
  }
BLOCK(1, 4) BLOCK(2, 4) BLOCK(3, 2) BLOCK(4, 2)
BLOCK(1, 1) BLOCK(2, 1) BLOCK(3, 1) BLOCK(4, 1)

/** Output channels a full block covers for this many input channels (lanes): 8 accumulators. */
static int block_width(int lanes) { return lanes <= 2 ? 16 : 8; }

// A switch, not a table of function pointers: a table would be a data segment in the shared memory.
// `full`: a block of block_width(lanes) output channels, else of four.
static void block(const float *x, const float *dy, float *out, int oh, int ow, int pw, int ci, int co, int lanes, int full) {
  switch (lanes * 2 + full) {
    case 2: block_1_1(x, dy, out, oh, ow, pw, ci, co); break;
    case 3: block_1_4(x, dy, out, oh, ow, pw, ci, co); break;
    case 4: block_2_1(x, dy, out, oh, ow, pw, ci, co); break;
    case 5: block_2_4(x, dy, out, oh, ow, pw, ci, co); break;
    case 6: block_3_1(x, dy, out, oh, ow, pw, ci, co); break;
    case 7: block_3_2(x, dy, out, oh, ow, pw, ci, co); break;
    case 8: block_4_1(x, dy, out, oh, ow, pw, ci, co); break;
    default: block_4_2(x, dy, out, oh, ow, pw, ci, co); break;
  }
}

// The output channels [o_begin, o_end) come first, as in every kernel the threads share (see
// runClaimedBlocks in src/wasm/simd/threads.ts).
__attribute__((export_name("filter_gradient")))
void filter_gradient(int o_begin, int o_end, const float *xp, const float *dy, float *dw, int n, int ph, int pw, int oh, int ow, int kh, int kw,
                     int ci, int co) {
  for (int t = 0; t < kh * kw * ci; t++)
    for (int o = o_begin; o < o_end; o++) dw[t * co + o] = 0.f;
  for (int b = 0; b < n; b++) {
    const float *dyImage = dy + b * oh * ow * co;
    const float *xImage = xp + b * ph * pw * ci;
    for (int ti = 0; ti < kh; ti++) {
      for (int tj = 0; tj < kw; tj++) {
        const int t = ti * kw + tj;
        for (int c0 = 0; c0 < ci; c0 += 4) {
          const int lanes = ci - c0 < 4 ? ci - c0 : 4;
          const float *x = xImage + (ti * pw + tj) * ci + c0;
          const int width = block_width(lanes);
          int o0 = o_begin;
          for (; o0 + width <= o_end; o0 += width) block(x, dyImage + o0, dw + (t * ci + c0) * co + o0, oh, ow, pw, ci, co, lanes, 1);
          for (; o0 < o_end; o0 += 4) block(x, dyImage + o0, dw + (t * ci + c0) * co + o0, oh, ow, pw, ci, co, lanes, 0);
        }
      }
    }
  }
}
