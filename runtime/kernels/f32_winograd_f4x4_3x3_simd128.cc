#include "kernels/f32_winograd.h"
#include "kernels/simd128.h"
#include "kernels/winograd_f4x4_3x3_transforms.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

// Four float lanes with the arithmetic the shared transforms use.
struct F32x4 {
  v128_t v;
  F32x4 operator+(F32x4 o) const { return {wasm_f32x4_add(v, o.v)}; }
  F32x4 operator-(F32x4 o) const { return {wasm_f32x4_sub(v, o.v)}; }
  F32x4 operator*(float s) const { return {wasm_f32x4_mul(v, wasm_f32x4_splat(s))}; }
};

}  // namespace

void f32_winograd_f4x4_3x3_weights_simd128(size_t in_channels, const float* weight, float* u, size_t o_begin,
                                           size_t o_end) {
  const size_t vector_channels = in_channels / 4 * 4;
  for (size_t o = o_begin; o < o_end; ++o) {
    float* block = u + o * kWinogradPositions * in_channels;
    const float* w = weight + o * in_channels * 9;
    for (size_t c = 0; c < vector_channels; c += 4) {
      // Tap t of channels c..c+3 (their 36 weights are contiguous) in one vector.
      F32x4 g[9], r[kWinogradPositions];
      const float* wc = w + c * 9;
      for (size_t t = 0; t < 9; ++t) g[t] = {wasm_f32x4_make(wc[t], wc[9 + t], wc[18 + t], wc[27 + t])};
      winograd::weight_tile(g, r);
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) wasm_v128_store(block + pos * in_channels + c, r[pos].v);
    }
    for (size_t c = vector_channels; c < in_channels; ++c) {
      float r[kWinogradPositions];
      winograd::weight_tile(w + c * 9, r);
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) block[pos * in_channels + c] = r[pos];
    }
  }
}

F32WinogradWeightsFn best_f32_winograd_f4x4_3x3_weights() { return f32_winograd_f4x4_3x3_weights_simd128; }

#else

F32WinogradWeightsFn best_f32_winograd_f4x4_3x3_weights() { return f32_winograd_f4x4_3x3_weights_scalar; }

#endif  // WT_HAVE_SIMD128

}  // namespace wt
