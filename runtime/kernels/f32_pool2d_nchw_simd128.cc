// Max pooling in two passes per output row: the vertical max of the window's input rows with
// SIMD128 across the row, then the horizontal max over each window of that row (any stride).
// f32x4.max propagates NaN, as PyTorch's max pooling does.
#include <algorithm>
#include <limits>

#include "kernels/f32_pool2d.h"
#include "kernels/simd128.h"

namespace wt {

bool f32_maxpool2d_simd128_supports(const Pool2dGeometry& g) {
  return WT_HAVE_SIMD128 && g.dilation_h == 1 && g.dilation_w == 1 && g.in_w <= kMaxPoolRow;
}

#if WT_HAVE_SIMD128

namespace {

inline float max_nan(float m, float v) { return (v > m || v != v) ? v : m; }

// row[x] = max over input rows [y0, y1) at column x.
void vertical_max(const float* plane, size_t in_w, size_t y0, size_t y1, float* row) {
  std::fill(row, row + in_w, -std::numeric_limits<float>::infinity());
  for (size_t y = y0; y < y1; ++y) {
    const float* in = plane + y * in_w;
    size_t x = 0;
    for (; x + 4 <= in_w; x += 4)
      wasm_v128_store(row + x, wasm_f32x4_max(wasm_v128_load(row + x), wasm_v128_load(in + x)));
    for (; x < in_w; ++x) row[x] = max_nan(row[x], in[x]);
  }
}

// out[ox] = max over the row window of output column ox, for ox in [0, out_w).
void horizontal_max(const Pool2dGeometry& g, const float* row, float* out) {
  const size_t s = g.stride_w;
  // A tile of four windows starting at output column ox reads row[ox*s - pad_left, +3s+kernel_w)
  // (+1 for the stride-2 load): inside the row when first <= ox <= tile_max.
  const size_t first = (g.pad_left + s - 1) / s;
  const long room = static_cast<long>(g.in_w + g.pad_left) - static_cast<long>(g.kernel_w + 3 * s);
  const bool tiles = s <= 2 && room >= 0;
  const size_t tile_max = tiles ? static_cast<size_t>(room) / s : 0;
  auto scalar = [&](size_t ox) {
    const long left = static_cast<long>(ox * s) - static_cast<long>(g.pad_left);
    const long x1 = std::min<long>(left + static_cast<long>(g.kernel_w), static_cast<long>(g.in_w));
    float m = -std::numeric_limits<float>::infinity();
    for (long x = std::max<long>(left, 0); x < x1; ++x) m = max_nan(m, row[x]);
    out[ox] = m;
  };
  size_t ox = 0;
  for (; ox < g.out_w && ox < first; ++ox) scalar(ox);
  for (; tiles && ox <= tile_max && ox + 4 <= g.out_w; ox += 4) {
    const float* p = row + ox * s - g.pad_left;
    v128_t m = wt_v128_load4_stride(p, s);
    for (size_t kx = 1; kx < g.kernel_w; ++kx) m = wasm_f32x4_max(m, wt_v128_load4_stride(p + kx, s));
    wasm_v128_store(out + ox, m);
  }
  for (; ox < g.out_w; ++ox) scalar(ox);
}

}  // namespace

void f32_maxpool2d_nchw_simd128(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                                size_t plane_end) {
  float row[kMaxPoolRow + 4];  // + 4: a stride-2 tile loads one float past its last window
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = input + p * g.in_h * g.in_w;
    float* out = output + p * g.out_h * g.out_w;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const long top = static_cast<long>(oy * g.stride_h) - static_cast<long>(g.pad_top);
      const size_t y0 = static_cast<size_t>(std::max<long>(top, 0));
      const size_t y1 =
          static_cast<size_t>(std::min<long>(top + static_cast<long>(g.kernel_h), static_cast<long>(g.in_h)));
      vertical_max(in, g.in_w, y0, std::max(y0, y1), row);
      horizontal_max(g, row, out + oy * g.out_w);
    }
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
