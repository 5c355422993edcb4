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

// ---- the input: V[ξ][t][c] = (Bᵀ d B)[ξ] for the 4x4 patch d of tile t ----

PATCH_TRANSFORM(0)

INLINE void input_transform(const float *x, float *v, const Params *p, int tile, int t, int tiles_per_call) {
  const int th = (p->oh + 1) / 2, tw = (p->ow + 1) / 2;
  const int b = tile / (th * tw), ty = tile / tw % th, tx = tile % tw;
  patch_transform_0(x + b * p->h * p->w * p->ci, p, 2 * ty - p->top, 2 * tx - p->left, v + t * p->ci, tiles_per_call);
}

// ---- the products: M[ξ][t][o] = sum over c of V[ξ][t][c] * U[ξ][c][o], register blocks of rows x vectors ----

// One input channel per step: the rows' splats and the vectors of U through two pointers, which
// move by one channel and one row of U; with the channel count a constant (`fixed`, MiniVGGNet's 32
// and 64), the rows' splats take constant offsets from one pointer. V8 adds a splat's offset to the
// memory's base in a register of its own (it folds offsets into v128 loads, not into splats), kept
// out of the loop for 4 rows; a block of 6 rows (12 accumulators, which the fused build could hold)
// ran out of general registers and recomputed them every step: more instructions per multiply-add.
INLINE void product_block(const float *v, const float *u, float *m, int k, int n, const int rows, const int vectors, const int fixed) {
  const int stride = fixed ? fixed : k;
  v128_t a[4][2];
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < vectors; q++) a[r][q] = wasm_f32x4_splat(0.f);
  for (int c = k; c > 0; c--, v++, u += n) {
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

/** Columns of Aᵀ M for 4 output channels: M[4i + j] at in + (4i + j)·stride. */
INLINE void output_columns(const float *in, int stride, v128_t s[2][4]) {
  for (int j = 0; j < 4; j++) {
    const v128_t m0 = wasm_v128_load(in + (0 * 4 + j) * stride), m1 = wasm_v128_load(in + (1 * 4 + j) * stride);
    const v128_t m2 = wasm_v128_load(in + (2 * 4 + j) * stride), m3 = wasm_v128_load(in + (3 * 4 + j) * stride);
    s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
    s[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
  }
}

/** Output (i, j) of the tile from the columns, plus the bias, then ReLU if `relu`. */
INLINE v128_t output_value(v128_t s[2][4], int i, int j, v128_t add, int relu) {
  const v128_t out = j == 0 ? wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]) : wasm_f32x4_sub(wasm_f32x4_sub(s[i][1], s[i][2]), s[i][3]);
  const v128_t value = wasm_f32x4_add(out, add);
  return relu ? wasm_f32x4_max(value, wasm_f32x4_splat(0.f)) : value;
}

// A tile whose four outputs are all inside y: y0 is its top-left output, rows row_stride floats
// apart. With the channel count a constant (`fixed`), the 16 rows of M and the columns of y take
// constant offsets; `relu` a constant too.
INLINE void output_full(const float *in, const float *bias, float *y0, int row_stride, int co, const int relu, const int fixed) {
  const int cs = fixed ? fixed : co, stride = TILES_PER_CALL * cs;
  for (int o = 0; o < co; o += 4, in += 4, y0 += 4) {
    v128_t s[2][4];
    output_columns(in, stride, s);
    const v128_t add = bias ? wasm_v128_load(bias + o) : wasm_f32x4_splat(0.f);
    wasm_v128_store(y0, output_value(s, 0, 0, add, relu));
    wasm_v128_store(y0 + cs, output_value(s, 0, 1, add, relu));
    wasm_v128_store(y0 + row_stride, output_value(s, 1, 0, add, relu));
    wasm_v128_store(y0 + row_stride + cs, output_value(s, 1, 1, add, relu));
  }
}

#define OUTPUT_FULL(RELU, FIXED) \
  static void output_full_##RELU##_##FIXED(const float *in, const float *bias, float *y0, int row_stride, int co) { output_full(in, bias, y0, row_stride, co, RELU, FIXED); }
OUTPUT_FULL(0, 32) OUTPUT_FULL(0, 64) OUTPUT_FULL(0, 0) OUTPUT_FULL(1, 32) OUTPUT_FULL(1, 64) OUTPUT_FULL(1, 0)

// A tile cut by the bottom or right edge of y: the outputs inside only.
static void output_edge(const float *in, const float *bias, float *y, const Params *p, int b, int ty, int tx, int stride) {
  for (int o = 0; o < p->co; o += 4, in += 4) {
    v128_t s[2][4];
    output_columns(in, stride, s);
    const v128_t add = bias ? wasm_v128_load(bias + o) : wasm_f32x4_splat(0.f);
    for (int i = 0; i < 2; i++) {
      const int row = 2 * ty + i;
      if (row >= p->oh) continue;
      for (int j = 0; j < 2; j++) {
        const int column = 2 * tx + j;
        if (column < p->ow) wasm_v128_store(y + ((b * p->oh + row) * p->ow + column) * p->co + o, output_value(s, i, j, add, p->relu));
      }
    }
  }
}

INLINE void output_transform(const float *m, const float *bias, float *y, const Params *p, int tile, int t, int tiles_per_call) {
  const int th = (p->oh + 1) / 2, tw = (p->ow + 1) / 2;
  const int b = tile / (th * tw), ty = tile / tw % th, tx = tile % tw;
  const float *in = m + t * p->co;
  if (2 * ty + 2 > p->oh || 2 * tx + 2 > p->ow) {
    output_edge(in, bias, y, p, b, ty, tx, tiles_per_call * p->co);
    return;
  }
  float *y0 = y + ((b * p->oh + 2 * ty) * p->ow + 2 * tx) * p->co;
  const int row_stride = p->ow * p->co, co = p->co;
  switch (co + p->relu) {
    case 32: output_full_0_32(in, bias, y0, row_stride, co); break;
    case 33: output_full_1_32(in, bias, y0, row_stride, co); break;
    case 64: output_full_0_64(in, bias, y0, row_stride, co); break;
    case 65: output_full_1_64(in, bias, y0, row_stride, co); break;
    default:
      if (p->relu) output_full_1_0(in, bias, y0, row_stride, co);
      else output_full_0_0(in, bias, y0, row_stride, co);
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
