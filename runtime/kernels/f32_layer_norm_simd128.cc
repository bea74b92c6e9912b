// SIMD128 layer normalization: mean and variance in four f32 lanes (two passes, so the variance
// sums squared deviations rather than cancelling E[x^2] - E[x]^2), then scale and shift.
#include <cmath>

#include "kernels/f32_layer_norm.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

void f32_layer_norm_simd128(size_t cols, float eps, const float* x, const float* weight, const float* bias, float* y,
                            size_t row_begin, size_t row_end) {
  const size_t full = cols / 4 * 4;
  for (size_t r = row_begin; r < row_end; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    v128_t vsum = wasm_f32x4_splat(0.f);
    for (size_t c = 0; c < full; c += 4) vsum = wasm_f32x4_add(vsum, wasm_v128_load(in + c));
    float sum = wt_f32x4_sum(vsum);
    for (size_t c = full; c < cols; ++c) sum += in[c];
    const float mean = sum / static_cast<float>(cols);
    const v128_t vmean = wasm_f32x4_splat(mean);
    v128_t vvar = wasm_f32x4_splat(0.f);
    for (size_t c = 0; c < full; c += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(in + c), vmean);
      vvar = wt_f32x4_mul_add(d, d, vvar);
    }
    float var = wt_f32x4_sum(vvar);
    for (size_t c = full; c < cols; ++c) var += (in[c] - mean) * (in[c] - mean);
    const float inv = 1.f / std::sqrt(var / static_cast<float>(cols) + eps);
    const v128_t vinv = wasm_f32x4_splat(inv);
    for (size_t c = 0; c < full; c += 4) {
      v128_t v = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(in + c), vmean), vinv);
      if (weight) v = wasm_f32x4_mul(v, wasm_v128_load(weight + c));
      if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + c));
      wasm_v128_store(out + c, v);
    }
    for (size_t c = full; c < cols; ++c) {
      const float v = (in[c] - mean) * inv;
      out[c] = v * (weight ? weight[c] : 1.f) + (bias ? bias[c] : 0.f);
    }
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
