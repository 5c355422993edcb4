// What native/winograd.c (3x3 convolutions by F(2x2, 3x3)) and native/winograd-filter-gradient.c
// (their filter gradients by F(3x3, 2x2)) share: the parameters of a call, the threads' scratch
// slots, and the 4x4 input patches and their transforms.
#ifndef KERNELS_WINOGRAD_H
#define KERNELS_WINOGRAD_H
#include "simd.h"

/** Tiles per call of the convolution at most (the JavaScript side gives ranges of this size): V and M of 64 channels are 64 KB each. */
#define TILES_PER_CALL 16
/**
 * Tiles per pass of the filter gradient over an image's sums M (WINOGRAD_GRADIENT_TILES in
 * src/wasm/simd/kernels.ts): each pass loads and stores all of M, so 25 makes a 14x14 image (49
 * tiles) two passes instead of four (16 + 16 + 16 + 1); V and D of 64 channels are 100 KB each.
 */
#define GRADIENT_TILES 25

/** The parameters of a call, as 32-bit integers in memory (one pointer instead of 15 arguments). */
typedef struct {
  int n, h, w, ci;       // x [n, h, w, ci]
  int oh, ow, co;        // y [n, oh, ow, co]
  int top, left;         // zeros before the first row and column of x
  int relu;              // 1: max(0, ·) after the bias
  int slots;             // int[slot_count]: 0 free, 1 taken
  int slot_count;
  int slot_memory;       // slot s at slot_memory + s * slot_bytes
  int slot_bytes;
  int partials;          // filter gradient: per image, the sums M[16][ci][co] of its tiles
} Params;

/** Channels [c, c + 4) of the 4x4 patch of x from (row0, column0), zeros outside x. */
INLINE void load_patch(const float *image, const Params *p, int row0, int column0, int c, v128_t d[4][4]) {
  for (int i = 0; i < 4; i++) {
    const int row = row0 + i;
    for (int j = 0; j < 4; j++) {
      const int column = column0 + j;
      const int inside = row >= 0 && row < p->h && column >= 0 && column < p->w;
      d[i][j] = inside ? wasm_v128_load(image + (row * p->w + column) * p->ci + c) : wasm_f32x4_splat(0.f);
    }
  }
}

/** A free scratch slot for this call's thread, taken with an atomic exchange (see Params.slots). */
INLINE int acquire_slot(const Params *p) {
  int *slots = (int *)p->slots;
  int slot = 0;
  while (__atomic_exchange_n(&slots[slot], 1, __ATOMIC_ACQUIRE)) slot = (slot + 1) % p->slot_count;
  return slot;
}

INLINE void release_slot(const Params *p, int slot) { __atomic_store_n(&((int *)p->slots)[slot], 0, __ATOMIC_RELEASE); }

// V = Bᵀ d B of a 4x4 patch d, 4 channels at a time: for the convolution's F(2x2, 3x3) (gradient 0),
// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]; for the filter gradient's F(3x3, 2x2) (gradient 1)
// the last row is [0 -1 0 1].

/** The last element of a row or column: d1 − d3, or d3 − d1 for the filter gradient. */
INLINE v128_t last(v128_t d1, v128_t d3, const int gradient) { return gradient ? wasm_f32x4_sub(d3, d1) : wasm_f32x4_sub(d1, d3); }

/** Row i of V from row i of Bᵀ d (four vectors), to out + (4i + j)·stride. */
INLINE void store_v_row(const v128_t e[4], float *out, int stride, const int gradient) {
  wasm_v128_store(out + 0 * stride, wasm_f32x4_sub(e[0], e[2]));
  wasm_v128_store(out + 1 * stride, wasm_f32x4_add(e[1], e[2]));
  wasm_v128_store(out + 2 * stride, wasm_f32x4_sub(e[2], e[1]));
  wasm_v128_store(out + 3 * stride, last(e[1], e[3], gradient));
}

// A tile whose patch lies inside x: `patch` is its top-left element, rows row_stride floats apart,
// columns ci apart. Rows of Bᵀ d from two rows of d at a time, so that at most 8 loaded and 8
// transformed vectors are live (the 16 of a whole patch spilled); the same operations in the same
// order as for a patch at the border. With the channel count a constant (`fixed`), the columns and
// the 16 rows of V take constant offsets.
INLINE void patch_interior(const float *patch, int row_stride, int ci, float *out, const int gradient, const int fixed, const int tiles) {
  const int cs = fixed ? fixed : ci, stride = tiles * cs;
  for (int c = 0; c < ci; c += 4, patch += 4, out += 4) {
    const float *r0 = patch, *r1 = r0 + row_stride, *r2 = r1 + row_stride, *r3 = r2 + row_stride;
    v128_t e[4], f[4];
    for (int j = 0; j < 4; j++) e[j] = wasm_f32x4_sub(wasm_v128_load(r0 + j * cs), wasm_v128_load(r2 + j * cs));
    store_v_row(e, out, stride, gradient);
    for (int j = 0; j < 4; j++) {
      const v128_t d1 = wasm_v128_load(r1 + j * cs), d2 = wasm_v128_load(r2 + j * cs);
      e[j] = wasm_f32x4_add(d1, d2);
      f[j] = wasm_f32x4_sub(d2, d1);
    }
    store_v_row(e, out + 4 * stride, stride, gradient);
    store_v_row(f, out + 8 * stride, stride, gradient);
    for (int j = 0; j < 4; j++) e[j] = last(wasm_v128_load(r1 + j * cs), wasm_v128_load(r3 + j * cs), gradient);
    store_v_row(e, out + 12 * stride, stride, gradient);
  }
}

#define PATCH_INTERIOR(GRADIENT, FIXED, TILES) \
  static void patch_interior_##GRADIENT##_##FIXED(const float *patch, int row_stride, int ci, float *out) { patch_interior(patch, row_stride, ci, out, GRADIENT, FIXED, TILES); }

// A tile at the border of x: each element of the patch checked, zeros outside.
INLINE void patch_border(const float *image, const Params *p, int row0, int column0, float *out, int stride, const int gradient) {
  for (int c = 0; c < p->ci; c += 4, out += 4) {
    v128_t d[4][4];
    load_patch(image, p, row0, column0, c, d);
    v128_t e[4][4];
    for (int j = 0; j < 4; j++) {
      e[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
      e[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
      e[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
      e[3][j] = last(d[1][j], d[3][j], gradient);
    }
    for (int i = 0; i < 4; i++) store_v_row(e[i], out + 4 * i * stride, stride, gradient);
  }
}

/** V of the patch from (row0, column0) of `image` (zeros outside x) to out + ξ·stride, stride = TILES·ci. */
#define PATCH_TRANSFORM(GRADIENT, TILES) \
  PATCH_INTERIOR(GRADIENT, 32, TILES) PATCH_INTERIOR(GRADIENT, 64, TILES) PATCH_INTERIOR(GRADIENT, 0, TILES) \
  static void patch_border_##GRADIENT(const float *image, const Params *p, int row0, int column0, float *out, int stride) { \
    patch_border(image, p, row0, column0, out, stride, GRADIENT); \
  } \
  static void patch_transform_##GRADIENT(const float *image, const Params *p, int row0, int column0, float *out) { \
    if (row0 < 0 || row0 + 4 > p->h || column0 < 0 || column0 + 4 > p->w) { \
      patch_border_##GRADIENT(image, p, row0, column0, out, TILES * p->ci); \
      return; \
    } \
    const float *patch = image + (row0 * p->w + column0) * p->ci; \
    switch (p->ci) { \
      case 32: patch_interior_##GRADIENT##_32(patch, p->w * p->ci, p->ci, out); break; \
      case 64: patch_interior_##GRADIENT##_64(patch, p->w * p->ci, p->ci, out); break; \
      default: patch_interior_##GRADIENT##_0(patch, p->w * p->ci, p->ci, out); break; \
    } \
  }

#endif
