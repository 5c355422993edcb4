// 3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3), NHWC, in WebAssembly SIMD:
// MiniVGGNet's forward convolutions and (with the filter flipped and its channels swapped, see
// src/wasm/kernels/conv2d-backprop-input.ts) their input gradients; and their filter gradients by F(3x3, 2x2)
// (at the end of this file). Each 2x2 block of outputs ("tile") comes from
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
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))
/** Tiles per call at most (the JavaScript side gives ranges of this size): V and M of 64 channels are 64 KB each. */
#define TILES_PER_CALL 16

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

INLINE void product_block(const float *v, const float *u, float *m, int k, int n, const int rows, const int vectors) {
  v128_t a[4][2];
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < vectors; q++) a[r][q] = wasm_f32x4_splat(0.f);
  for (int c = 0; c < k; c++) {
    v128_t uv[2];
    for (int q = 0; q < vectors; q++) uv[q] = wasm_v128_load(u + c * n + 4 * q);
    for (int r = 0; r < rows; r++) {
      const v128_t s = wasm_v128_load32_splat(v + r * k + c);
      for (int q = 0; q < vectors; q++) a[r][q] = wasm_f32x4_add(a[r][q], wasm_f32x4_mul(s, uv[q]));
    }
  }
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < vectors; q++) wasm_v128_store(m + r * n + 4 * q, a[r][q]);
}

#define PRODUCT(ROWS, VECTORS) \
  static void product_##ROWS##_##VECTORS(const float *v, const float *u, float *m, int k, int n) { product_block(v, u, m, k, n, ROWS, VECTORS); }
PRODUCT(4, 2) PRODUCT(4, 1) PRODUCT(1, 2) PRODUCT(1, 1)

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
        else product_4_1(vx + t * ci, ux + o, mx + t * co + o, ci, co);
      }
      for (; t < tiles; t++) {
        if (wide) product_1_2(vx + t * ci, ux + o, mx + t * co + o, ci, co);
        else product_1_1(vx + t * ci, ux + o, mx + t * co + o, ci, co);
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

// ---- the filter gradient by F(3x3, 2x2) ----
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

INLINE void patch_transform(const float *x, float *v, const Params *p, int b, int ty, int tx, int t, int tiles_per_call) {
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
      e[3][j] = wasm_f32x4_sub(d[3][j], d[1][j]);
    }
    float *out = v + t * p->ci + c;
    for (int i = 0; i < 4; i++) {
      wasm_v128_store(out + (i * 4 + 0) * stride, wasm_f32x4_sub(e[i][0], e[i][2]));
      wasm_v128_store(out + (i * 4 + 1) * stride, wasm_f32x4_add(e[i][1], e[i][2]));
      wasm_v128_store(out + (i * 4 + 2) * stride, wasm_f32x4_sub(e[i][2], e[i][1]));
      wasm_v128_store(out + (i * 4 + 3) * stride, wasm_f32x4_sub(e[i][3], e[i][1]));
    }
  }
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
      for (int q = 0; q < vectors; q++) a[r][q] = wasm_f32x4_add(a[r][q], wasm_f32x4_mul(s, uv[q]));
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
  float *u = v + 16 * TILES_PER_CALL * p->ci;
  const int th = (p->oh + 1) / 2, tw = (p->ow + 1) / 2;
  const int ci = p->ci, co = p->co;
  for (int b = begin; b < end; b++) {
    float *m = (float *)p->partials + b * 16 * ci * co;
    for (int i = 0; i < 16 * ci * co; i += 4) wasm_v128_store(m + i, wasm_f32x4_splat(0.f));
    for (int first = 0; first < th * tw; first += TILES_PER_CALL) {
      const int tiles = th * tw - first < TILES_PER_CALL ? th * tw - first : TILES_PER_CALL;
      for (int t = 0; t < tiles; t++) {
        const int ty = (first + t) / tw, tx = (first + t) % tw;
        patch_transform(x, v, p, b, ty, tx, t, TILES_PER_CALL);
        gradient_tile_transform(dy, u, p, b, ty, tx, t, TILES_PER_CALL);
      }
      for (int xi = 0; xi < 16; xi++) {
        const float *vx = v + xi * TILES_PER_CALL * ci;
        const float *ux = u + xi * TILES_PER_CALL * co;
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
