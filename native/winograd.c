// 3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3), NHWC, in WebAssembly SIMD:
// MiniVGGNet's forward convolutions and (with the filter flipped and its channels swapped, see
// src/wasm/kernels/conv2d-backprop-input.ts) their input gradients; their filter gradients are in
// native/winograd-filter-gradient.c. Each 2x2 block of outputs ("tile") comes from
// a 4x4 patch of the input: 16 products per input/output channel pair where the direct convolution
// needs 36, so 2.25 times fewer multiply-adds, the rest being additions of the transforms
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
//
//   U = G g Gᵀ (the filter, once per call)   V = Bᵀ d B (each patch)   y = Aᵀ [sum over c of U·V] A
//
// The sums over input channels are 16 matrix products, one per element ξ of the 4x4 transforms:
// M[ξ][tile][o] = sum over c of V[ξ][tile][c] * U[ξ][c][o], computed for a block of at most
// TILES_PER_CALL tiles at a time in a thread's scratch slot, so V and M stay in cache between the
// transforms and the products. Threads share the tiles (see runClaimedBlocks in
// src/wasm/simd/threads.ts); each call takes a free slot with an atomic exchange. Input and output
// channels in fours (src/wasm checks). No linear-memory stack (threads share the memory).
#include "winograd.h"

// ---- the filter: U[ξ][c][o] = (G g Gᵀ)[ξ] for g[3][3][ci][co], output channels [o_begin, o_end) ----

__attribute__((export_name("winograd_filter_transform")))
void winograd_filter_transform(int o_begin, int o_end, const float *g, float *u, int ci, int co) {
  for (int c = 0; c < ci; c++) {
    for (int o = o_begin; o < o_end; o++) {
      float k[3][3], gg[4][3];
      for (int r = 0; r < 3; r++)
        for (int s = 0; s < 3; s++) k[r][s] = g[((r * 3 + s) * ci + c) * co + o];
      for (int s = 0; s < 3; s++) {
        gg[0][s] = k[0][s];
        gg[1][s] = 0.5f * (k[0][s] + k[1][s] + k[2][s]);
        gg[2][s] = 0.5f * (k[0][s] - k[1][s] + k[2][s]);
        gg[3][s] = k[2][s];
      }
      for (int r = 0; r < 4; r++) {
        const float t[4] = {gg[r][0], 0.5f * (gg[r][0] + gg[r][1] + gg[r][2]), 0.5f * (gg[r][0] - gg[r][1] + gg[r][2]), gg[r][2]};
        for (int s = 0; s < 4; s++) u[((r * 4 + s) * ci + c) * co + o] = t[s];
      }
    }
  }
}

// ---- the input: V[ξ] = (Bᵀ d B)[ξ] for the 4x4 patch d of tile t ----

INLINE void input_transform(const float *x, float *v, const Params *p, int tile, int t, int tiles_per_call) {
  const int th = (p->oh + 1) / 2, tw = (p->ow + 1) / 2;
  const int b = tile / (th * tw), ty = tile / tw % th, tx = tile % tw;
  const int row0 = 2 * ty - p->top, column0 = 2 * tx - p->left;
  const float *image = x + b * p->h * p->w * p->ci;
  const int stride = tiles_per_call * p->ci;
  for (int c = 0; c < p->ci; c += 4) {
    v128_t d[4][4];
    load_patch(image, p, row0, column0, c, d);
    v128_t e[4][4];
    for (int j = 0; j < 4; j++) {
      e[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
      e[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
      e[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
      e[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
    }
    float *out = v + t * p->ci + c;
    for (int i = 0; i < 4; i++) {
      wasm_v128_store(out + (i * 4 + 0) * stride, wasm_f32x4_sub(e[i][0], e[i][2]));
      wasm_v128_store(out + (i * 4 + 1) * stride, wasm_f32x4_add(e[i][1], e[i][2]));
      wasm_v128_store(out + (i * 4 + 2) * stride, wasm_f32x4_sub(e[i][2], e[i][1]));
      wasm_v128_store(out + (i * 4 + 3) * stride, wasm_f32x4_sub(e[i][1], e[i][3]));
    }
  }
}

// ---- the products: M[ξ][t][o] = sum over c of V[ξ][t][c] * U[ξ][c][o], register blocks of rows x vectors ----

// One input channel per step: the rows' splats and the vectors of U through two pointers, which
// move by one channel and one row of U; with the channel count a constant (`fixed`, MiniVGGNet's 32
// and 64), the rows' splats take constant offsets from one pointer, which V8 folds into the loads.
INLINE void product_block(const float *v, const float *u, float *m, int k, int n, const int rows, const int vectors, const int fixed) {
  const int stride = fixed ? fixed : k;
  v128_t a[4][2];
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < vectors; q++) a[r][q] = wasm_f32x4_splat(0.f);
  for (const float *end = v + k; v < end; v++, u += n) {
    v128_t uv[2];
    for (int q = 0; q < vectors; q++) uv[q] = wasm_v128_load(u + 4 * q);
    for (int r = 0; r < rows; r++) {
      const v128_t s = wasm_v128_load32_splat(v + r * stride);
      for (int q = 0; q < vectors; q++) a[r][q] = madd(s, uv[q], a[r][q]);
    }
  }
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < vectors; q++) wasm_v128_store(m + r * n + 4 * q, a[r][q]);
}

#define PRODUCT(ROWS, VECTORS, FIXED) \
  static void product_##ROWS##_##VECTORS##_##FIXED(const float *v, const float *u, float *m, int k, int n) { product_block(v, u, m, k, n, ROWS, VECTORS, FIXED); }
PRODUCT(4, 2, 32) PRODUCT(4, 2, 64) PRODUCT(4, 2, 0) PRODUCT(4, 1, 0) PRODUCT(1, 2, 0) PRODUCT(1, 1, 0)

// A switch, not a table of function pointers: a table would be a data segment in the shared memory.
static void product_4_2(const float *v, const float *u, float *m, int k, int n) {
  switch (k) {
    case 32: product_4_2_32(v, u, m, k, n); break;
    case 64: product_4_2_64(v, u, m, k, n); break;
    default: product_4_2_0(v, u, m, k, n); break;
  }
}

static void products(const float *v, const float *u, float *m, int tiles, int tiles_per_call, int ci, int co) {
  for (int xi = 0; xi < 16; xi++) {
    const float *vx = v + xi * tiles_per_call * ci;
    const float *ux = u + xi * ci * co;
    float *mx = m + xi * tiles_per_call * co;
    for (int o = 0; o < co;) {
      const int wide = co - o >= 8;
      int t = 0;
      for (; t + 4 <= tiles; t += 4) {
        if (wide) product_4_2(vx + t * ci, ux + o, mx + t * co + o, ci, co);
        else product_4_1_0(vx + t * ci, ux + o, mx + t * co + o, ci, co);
      }
      for (; t < tiles; t++) {
        if (wide) product_1_2_0(vx + t * ci, ux + o, mx + t * co + o, ci, co);
        else product_1_1_0(vx + t * ci, ux + o, mx + t * co + o, ci, co);
      }
      o += wide ? 8 : 4;
    }
  }
}

// ---- the output: y = Aᵀ M A + bias (then ReLU) for the 2x2 outputs of tile t, those inside y ----

INLINE void output_transform(const float *m, const float *bias, float *y, const Params *p, int tile, int t, int tiles_per_call) {
  const int th = (p->oh + 1) / 2, tw = (p->ow + 1) / 2;
  const int b = tile / (th * tw), ty = tile / tw % th, tx = tile % tw;
  const int stride = tiles_per_call * p->co;
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int o = 0; o < p->co; o += 4) {
    const float *in = m + t * p->co + o;
    v128_t s[2][4];
    for (int j = 0; j < 4; j++) {
      const v128_t m0 = wasm_v128_load(in + (0 * 4 + j) * stride), m1 = wasm_v128_load(in + (1 * 4 + j) * stride);
      const v128_t m2 = wasm_v128_load(in + (2 * 4 + j) * stride), m3 = wasm_v128_load(in + (3 * 4 + j) * stride);
      s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
      s[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
    }
    const v128_t add = bias ? wasm_v128_load(bias + o) : zero;
    for (int i = 0; i < 2; i++) {
      const int row = 2 * ty + i;
      if (row >= p->oh) continue;
      const v128_t out[2] = {wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]), wasm_f32x4_sub(wasm_f32x4_sub(s[i][1], s[i][2]), s[i][3])};
      for (int j = 0; j < 2; j++) {
        const int column = 2 * tx + j;
        if (column >= p->ow) continue;
        v128_t value = wasm_f32x4_add(out[j], add);
        if (p->relu) value = wasm_f32x4_max(value, zero);
        wasm_v128_store(y + ((b * p->oh + row) * p->ow + column) * p->co + o, value);
      }
    }
  }
}

// Tiles [begin, end) of y (tiles numbered image by image, row by row). bias may be 0.
__attribute__((export_name("winograd_conv3x3")))
void winograd_conv3x3(int begin, int end, const float *x, const float *u, const float *bias, float *y, const Params *p) {
  const int slot = acquire_slot(p);
  float *v = (float *)(p->slot_memory + slot * p->slot_bytes);
  float *m = v + 16 * TILES_PER_CALL * p->ci;
  for (int first = begin; first < end; first += TILES_PER_CALL) {
    const int tiles = end - first < TILES_PER_CALL ? end - first : TILES_PER_CALL;
    for (int t = 0; t < tiles; t++) input_transform(x, v, p, first + t, t, TILES_PER_CALL);
    products(v, u, m, tiles, TILES_PER_CALL, p->ci, p->co);
    for (int t = 0; t < tiles; t++) output_transform(m, bias, y, p, first + t, t, TILES_PER_CALL);
  }
  release_slot(p, slot);
}
