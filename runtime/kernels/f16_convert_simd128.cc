// SIMD128 half to float: 8 halves a load, widened to two 4-lane vectors, each converted as the
// scalar reference does (magnitude into place, times 2^112, sign back).
#include "kernels/f16_convert.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

v128_t half_bits_to_f32(v128_t h) {  // h: four halves, one in the low 16 bits of each lane
  const v128_t magnitude = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t value = wasm_f32x4_mul(magnitude, wasm_f32x4_splat(kHalfRebias));
  return wasm_v128_or(value, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

}  // namespace

void f16_to_f32_simd128(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t h = wasm_v128_load(x + i);
    wasm_v128_store(y + i, half_bits_to_f32(wasm_u32x4_extend_low_u16x8(h)));
    wasm_v128_store(y + i + 4, half_bits_to_f32(wasm_u32x4_extend_high_u16x8(h)));
  }
  if (i < n) f16_to_f32_scalar(n - i, x + i, y + i);
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
