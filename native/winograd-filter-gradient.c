// The filter gradients of 3x3 stride-1 convolutions (native/winograd.c) by Winograd's F(3x3, 2x2),
// NHWC, in WebAssembly SIMD.
//
// dw[ti][tj][c][o] = sum over images and output positions (y, x) of xp[y + ti][x + tj][c] * dy[y][x][o]
// (xp: x with `top`/`left` zeros before it). Each 2x2 tile of dy and the 4x4 patch of xp under it
// add a 3x3 correlation to dw, which F(3x3, 2x2) computes with 16 products instead of 36:
//
//   dw += Aᵀ [(G dy Gᵀ) ⊙ (Bᵀ d B)] A    with  Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 -1 0 1],
//                                               G = [1 0; ½ ½; ½ -½; 0 1],  Aᵀ = [1 1 1 0; 0 1 -1 0; 0 1 1 1]
//
// so the tiles' sum is one sum in the transformed domain, M[ξ][c][o] = sum over tiles of
// V[ξ][tile][c] * D[ξ][tile][o], transformed back once. Threads share the images: each image's sums
// go to its own M (Params.partials), which a second pass adds in image order, so the result does not
// depend on which thread took which image.
#include "winograd.h"

PATCH_TRANSFORM(1, GRADIENT_TILES)

INLINE void patch_transform(const float *x, float *v, const Params *p, int b, int ty, int tx, int t) {
  patch_transform_1(x + b * p->h * p->w * p->ci, p, 2 * ty - p->top, 2 * tx - p->left, v + t * p->ci);
}

INLINE void gradient_tile_transform(const float *dy, float *u, const Params *p, int b, int ty, int tx, int t, int tiles_per_call) {
  const float *image = dy + b * p->oh * p->ow * p->co;
  const int stride = tiles_per_call * p->co;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int o = 0; o < p->co; o += 4) {
    v128_t g[2][2];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) {
        const int row = 2 * ty + i, column = 2 * tx + j;
        g[i][j] = row < p->oh && column < p->ow ? wasm_v128_load(image + (row * p->ow + column) * p->co + o) : wasm_f32x4_splat(0.f);
      }
    v128_t q[4][2];
    for (int j = 0; j < 2; j++) {
      q[0][j] = g[0][j];
      q[1][j] = wasm_f32x4_mul(half, wasm_f32x4_add(g[0][j], g[1][j]));
      q[2][j] = wasm_f32x4_mul(half, wasm_f32x4_sub(g[0][j], g[1][j]));
      q[3][j] = g[1][j];
    }
    float *out = u + t * p->co + o;
    for (int i = 0; i < 4; i++) {
      wasm_v128_store(out + (i * 4 + 0) * stride, q[i][0]);
      wasm_v128_store(out + (i * 4 + 1) * stride, wasm_f32x4_mul(half, wasm_f32x4_add(q[i][0], q[i][1])));
      wasm_v128_store(out + (i * 4 + 2) * stride, wasm_f32x4_mul(half, wasm_f32x4_sub(q[i][0], q[i][1])));
      wasm_v128_store(out + (i * 4 + 3) * stride, q[i][1]);
    }
  }
}

// m[lanes][vectors*4] at channel c, o += sum over the block's tiles of v[t][c + lane] * u[t][o...].
INLINE void accumulate_block(const float *v, const float *u, float *m, int tiles, int ci, int co, const int lanes, const int vectors) {
  v128_t a[4][2];
  for (int r = 0; r < lanes; r++)
    for (int q = 0; q < vectors; q++) a[r][q] = wasm_v128_load(m + r * co + 4 * q);
  for (int t = 0; t < tiles; t++) {
    v128_t uv[2];
    for (int q = 0; q < vectors; q++) uv[q] = wasm_v128_load(u + t * co + 4 * q);
    for (int r = 0; r < lanes; r++) {
      const v128_t s = wasm_v128_load32_splat(v + t * ci + r);
      for (int q = 0; q < vectors; q++) a[r][q] = madd(s, uv[q], a[r][q]);
    }
  }
  for (int r = 0; r < lanes; r++)
    for (int q = 0; q < vectors; q++) wasm_v128_store(m + r * co + 4 * q, a[r][q]);
}

#define ACCUMULATE(VECTORS) \
  static void accumulate_4_##VECTORS(const float *v, const float *u, float *m, int tiles, int ci, int co) { accumulate_block(v, u, m, tiles, ci, co, 4, VECTORS); }
ACCUMULATE(2) ACCUMULATE(1)

// Images [begin, end): each image's M[16][ci][co] (zeroed first) at partials + image * 16 * ci * co floats.
__attribute__((export_name("winograd_filter_gradient_images")))
void winograd_filter_gradient_images(int begin, int end, const float *x, const float *dy, const Params *p) {
  const int slot = acquire_slot(p);
  float *v = (float *)(p->slot_memory + slot * p->slot_bytes);
  float *u = v + 16 * GRADIENT_TILES * p->ci;
  const int th = (p->oh + 1) / 2, tw = (p->ow + 1) / 2;
  const int ci = p->ci, co = p->co;
  for (int b = begin; b < end; b++) {
    float *m = (float *)p->partials + b * 16 * ci * co;
    for (int i = 0; i < 16 * ci * co; i += 4) wasm_v128_store(m + i, wasm_f32x4_splat(0.f));
    for (int first = 0; first < th * tw; first += GRADIENT_TILES) {
      const int tiles = th * tw - first < GRADIENT_TILES ? th * tw - first : GRADIENT_TILES;
      for (int t = 0; t < tiles; t++) {
        const int ty = (first + t) / tw, tx = (first + t) % tw;
        patch_transform(x, v, p, b, ty, tx, t);
        gradient_tile_transform(dy, u, p, b, ty, tx, t, GRADIENT_TILES);
      }
      for (int xi = 0; xi < 16; xi++) {
        const float *vx = v + xi * GRADIENT_TILES * ci;
        const float *ux = u + xi * GRADIENT_TILES * co;
        float *mx = m + xi * ci * co;
        for (int c = 0; c < ci; c += 4) {
          int o = 0;
          for (; o + 8 <= co; o += 8) accumulate_4_2(vx + c, ux + o, mx + c * co + o, tiles, ci, co);
          for (; o < co; o += 4) accumulate_4_1(vx + c, ux + o, mx + c * co + o, tiles, ci, co);
        }
      }
    }
  }
  release_slot(p, slot);
}

// Input channels [begin, end) of dw [3][3][ci][co]: the images' M added in image order, then Aᵀ M A.
__attribute__((export_name("winograd_filter_gradient_reduce")))
void winograd_filter_gradient_reduce(int begin, int end, float *dw, const Params *p) {
  const int ci = p->ci, co = p->co;
  const float *partials = (const float *)p->partials;
  for (int c = begin; c < end; c++) {
    for (int o = 0; o < co; o += 4) {
      v128_t m[16];
      for (int xi = 0; xi < 16; xi++) {
        v128_t sum = wasm_f32x4_splat(0.f);
        for (int b = 0; b < p->n; b++) sum = wasm_f32x4_add(sum, wasm_v128_load(partials + ((b * 16 + xi) * ci + c) * co + o));
        m[xi] = sum;
      }
      v128_t s[3][4];
      for (int j = 0; j < 4; j++) {
        s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m[0 * 4 + j], m[1 * 4 + j]), m[2 * 4 + j]);
        s[1][j] = wasm_f32x4_sub(m[1 * 4 + j], m[2 * 4 + j]);
        s[2][j] = wasm_f32x4_add(wasm_f32x4_add(m[1 * 4 + j], m[2 * 4 + j]), m[3 * 4 + j]);
      }
      for (int i = 0; i < 3; i++) {
        const v128_t out[3] = {wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]), wasm_f32x4_sub(s[i][1], s[i][2]),
                               wasm_f32x4_add(wasm_f32x4_add(s[i][1], s[i][2]), s[i][3])};
        for (int j = 0; j < 3; j++) wasm_v128_store(dw + ((i * 3 + j) * ci + c) * co + o, out[j]);
      }
    }
  }
}
