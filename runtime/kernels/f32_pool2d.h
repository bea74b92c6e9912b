// 2-D pooling over NCHW planes (a plane = one (batch, channel) image) or NHWC rows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace wt {

struct Pool2dGeometry {
  size_t in_h, in_w, out_h, out_w;
  size_t kernel_h, kernel_w;
  size_t stride_h, stride_w;
  size_t pad_top, pad_left;
  size_t dilation_h, dilation_w;
  bool count_include_pad;   // avg only: divide by the full window, padding included
  size_t divisor_override;  // avg only: 0 = none
};

// The input window of avg pooling's output (oy, ox) (no dilation), clipped to the input, and what
// its sum is divided by: divisor_override, or the window clipped to input + padding
// (count_include_pad), or to the input alone.
struct AvgWindow {
  size_t y0, y1, x0, x1;
  size_t divisor;
};

inline AvgWindow avg_window(const Pool2dGeometry& g, size_t oy, size_t ox) {
  const long sy = static_cast<long>(oy * g.stride_h) - static_cast<long>(g.pad_top);
  const long sx = static_cast<long>(ox * g.stride_w) - static_cast<long>(g.pad_left);
  const long ey = std::min<long>(sy + static_cast<long>(g.kernel_h), static_cast<long>(g.in_h + g.pad_top));
  const long ex = std::min<long>(sx + static_cast<long>(g.kernel_w), static_cast<long>(g.in_w + g.pad_left));
  AvgWindow w;
  w.y0 = static_cast<size_t>(std::max<long>(sy, 0));
  w.x0 = static_cast<size_t>(std::max<long>(sx, 0));
  w.y1 = static_cast<size_t>(std::min<long>(ey, static_cast<long>(g.in_h)));
  w.x1 = static_cast<size_t>(std::min<long>(ex, static_cast<long>(g.in_w)));
  w.divisor = g.divisor_override    ? g.divisor_override
              : g.count_include_pad ? static_cast<size_t>((ey - sy) * (ex - sx))
                                    : (w.y1 - w.y0) * (w.x1 - w.x0);
  return w;
}

// A window's max and where it is: iy * in_w + ix in the input plane (PyTorch's return_indices).
struct MaxTap {
  float value;
  int64_t index;
};

// Updates the running max with the tap `v` at `index`: NaN propagates (the last NaN wins, as in
// PyTorch), ties keep the first.
inline void take_max(MaxTap& m, float v, int64_t index) {
  if (v > m.value || v != v) m = {v, index};
}

// The max over output (oy, ox)'s window (with dilation), value(iy, ix) reading the input: taps in
// the padding are skipped; an empty window gives -inf at index -1.
template <typename Value>
MaxTap max_window(const Pool2dGeometry& g, size_t oy, size_t ox, Value value) {
  MaxTap m{-std::numeric_limits<float>::infinity(), -1};
  for (size_t ky = 0; ky < g.kernel_h; ++ky) {
    const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
    if (iy >= g.in_h) continue;
    for (size_t kx = 0; kx < g.kernel_w; ++kx) {
      const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
      if (ix >= g.in_w) continue;
      take_max(m, value(iy, ix), static_cast<int64_t>(iy * g.in_w + ix));
    }
  }
  return m;
}

void f32_maxpool2d_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                               size_t plane_end);
// Also writes each max's index in its input plane (return_indices=True).
void f32_maxpool2d_indices_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, int64_t* indices,
                                       size_t plane_begin, size_t plane_end);
void f32_avgpool2d_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                               size_t plane_end);
// NHWC: input [N, H, W, channels]; output rows [row_begin, row_end) of all images (row = n * out_h
// + oy), every pixel and channel. Any window, stride, padding and (max) dilation.
void f32_maxpool2d_nhwc_scalar(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                               size_t row_begin, size_t row_end);
void f32_maxpool2d_nhwc_simd128(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                                size_t row_begin, size_t row_end);
void f32_avgpool2d_nhwc_scalar(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                               size_t row_begin, size_t row_end);
void f32_avgpool2d_nhwc_simd128(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                                size_t row_begin, size_t row_end);
// PyTorch's adaptive windows: rows [floor(i*H/oh), ceil((i+1)*H/oh)), likewise columns.
void f32_adaptive_maxpool2d_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input,
                                        float* output, size_t plane_begin, size_t plane_end);
void f32_adaptive_maxpool2d_indices_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                                const float* input, float* output, int64_t* indices,
                                                size_t plane_begin, size_t plane_end);
void f32_adaptive_avgpool2d_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input,
                                        float* output, size_t plane_begin, size_t plane_end);

}  // namespace wt
