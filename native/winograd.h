// What native/winograd.c (3x3 convolutions by F(2x2, 3x3)) and native/winograd-filter-gradient.c
// (their filter gradients by F(3x3, 2x2)) share: the parameters of a call, the threads' scratch
// slots, and the 4x4 input patches.
#ifndef KERNELS_WINOGRAD_H
#define KERNELS_WINOGRAD_H
#include "simd.h"

/** Tiles per call at most (the JavaScript side gives ranges of this size), a multiple of 4: V and M of 64 channels are 64 KB each. */
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

#endif
