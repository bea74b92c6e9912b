// SIMD128 zip of three rows: four elements of each a step (r0..r3, g0..g3, b0..b3) into three
// vectors [r0 g0 b0 r1] [g1 b1 r2 g2] [b2 r3 g3 b3] by six shuffles.
#include <algorithm>

#include "kernels/x32_zip.h"

#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

void x32_zip3_simd128(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end) {
  for (size_t p = begin; p < end;) {
    const size_t b = p / cols, j0 = p % cols, j1 = std::min(cols, j0 + (end - p));
    const uint32_t* r = x + b * 3 * cols;
    const uint32_t* g = r + cols;
    const uint32_t* bl = g + cols;
    uint32_t* out = y + 3 * (p - j0);  // the image's first output pixel
    size_t j = j0;
    for (; j + 4 <= j1; j += 4) {
      const v128_t vr = wasm_v128_load(r + j), vg = wasm_v128_load(g + j), vb = wasm_v128_load(bl + j);
      const v128_t rg_lo = wasm_i32x4_shuffle(vr, vg, 0, 4, 1, 5);  // r0 g0 r1 g1
      const v128_t rg_hi = wasm_i32x4_shuffle(vr, vg, 2, 6, 3, 7);  // r2 g2 r3 g3
      const v128_t gb = wasm_i32x4_shuffle(rg_lo, vb, 3, 5, 0, 0);  // g1 b1 . .
      wasm_v128_store(out + 3 * j, wasm_i32x4_shuffle(rg_lo, vb, 0, 1, 4, 2));
      wasm_v128_store(out + 3 * j + 4, wasm_i32x4_shuffle(gb, rg_hi, 0, 1, 4, 5));
      wasm_v128_store(out + 3 * j + 8, wasm_i32x4_shuffle(vb, rg_hi, 2, 6, 7, 3));
    }
    for (; j < j1; ++j) {
      out[3 * j] = r[j];
      out[3 * j + 1] = g[j];
      out[3 * j + 2] = bl[j];
    }
    p += j1 - j0;
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
