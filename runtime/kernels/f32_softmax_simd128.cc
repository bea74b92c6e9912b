#include <cstring>

#include "kernels/f32_softmax.h"
#include "kernels/simd128_math.h"

namespace wt {

#if WT_HAVE_SIMD128

void f32_softmax_simd128(size_t n, size_t stride, const float* x, float* y) {
  if (stride != 1 || n < 4) {
    f32_softmax_strided_scalar(n, stride, x, y);
    return;
  }
  const size_t full = n / 4 * 4;
  v128_t vmax = wasm_v128_load(x);
  for (size_t i = 4; i < full; i += 4) vmax = wasm_f32x4_max(vmax, wasm_v128_load(x + i));
  // The tail is covered by the last (overlapping) full vector.
  vmax = wasm_f32x4_max(vmax, wasm_v128_load(x + n - 4));
  vmax = wasm_f32x4_max(vmax, wasm_i32x4_shuffle(vmax, vmax, 2, 3, 0, 1));
  vmax = wasm_f32x4_max(vmax, wasm_i32x4_shuffle(vmax, vmax, 1, 0, 3, 2));
  v128_t vsum = simd::splat(0.f);
  for (size_t i = 0; i < full; i += 4) {
    const v128_t e = simd::exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), vmax));
    wasm_v128_store(y + i, e);
    vsum = wasm_f32x4_add(vsum, e);
  }
  float sum = wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) + wasm_f32x4_extract_lane(vsum, 2) +
              wasm_f32x4_extract_lane(vsum, 3);
  if (full < n) {
    float tail[4] = {0.f, 0.f, 0.f, 0.f};
    std::memcpy(tail, x + full, (n - full) * sizeof(float));
    wasm_v128_store(tail, simd::exp_f32x4(wasm_f32x4_sub(wasm_v128_load(tail), vmax)));
    for (size_t i = full; i < n; ++i) sum += (y[i] = tail[i - full]);
  }
  const v128_t inv = simd::splat(1.f / sum);
  for (size_t i = 0; i < full; i += 4) wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(y + i), inv));
  for (size_t i = full; i < n; ++i) y[i] *= 1.f / sum;
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
