// Channels-last scale and shift with SIMD128 across channels: 16 at a time (four independent
// vectors), then 4, then one by one; the clamp as pmax/pmin, which pass a NaN as clamp_minmax does.
#include "kernels/f32_vscaleshift.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

template <size_t V>
inline void scale_shift(const float* x, const float* scale, const float* shift, v128_t lo, v128_t hi, float* y) {
  for (size_t v = 0; v < V; ++v) {
    const v128_t s =
        wt_f32x4_mul_add(wasm_v128_load(x + 4 * v), wasm_v128_load(scale + 4 * v), wasm_v128_load(shift + 4 * v));
    wasm_v128_store(y + 4 * v, wasm_f32x4_pmin(wasm_f32x4_pmax(s, lo), hi));
  }
}

}  // namespace

void f32_vscaleshift_channels_simd128(size_t pixels, size_t channels, const float* x, const float* scale,
                                      const float* shift, F32MinMax minmax, float* y) {
  const v128_t lo = wasm_f32x4_splat(minmax.min), hi = wasm_f32x4_splat(minmax.max);
  for (size_t p = 0; p < pixels; ++p, x += channels, y += channels) {
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) scale_shift<4>(x + c, scale + c, shift + c, lo, hi, y + c);
    for (; c + 4 <= channels; c += 4) scale_shift<1>(x + c, scale + c, shift + c, lo, hi, y + c);
    for (; c < channels; ++c) y[c] = clamp_minmax(x[c] * scale[c] + shift[c], minmax);
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
