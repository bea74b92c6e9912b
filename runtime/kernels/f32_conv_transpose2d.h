// Transposed 2-D convolution. NCHW in gather form: each output pixel sums the input pixels whose
// strided footprint covers it, so output planes are independent (parallel, no atomics). NHWC as a
// GEMM into columns, then the same gather over them (col2im) with vectors across channels.
#pragma once

#include <cstddef>

#include "kernels/f32_conv2d.h"

namespace wt {

// Geometry as Conv2dGeometry, read for the transposed op: weight is [Cin, Cout/groups, kh, kw].
void f32_conv_transpose2d_nchw_scalar(const Conv2dGeometry& g, const float* input, const float* weight,
                                      const float* bias, float* output, size_t plane_begin, size_t plane_end);

// NHWC, after the GEMM: cols holds, per group (groups one after another), an [in_h * in_w,
// kh * kw * Cout/g] matrix: row = input pixel, column = (ky, kx, oc), what that pixel gives each
// output pixel of its footprint. out[oy][ox][c] = bias[c] + the columns of the taps covering it,
// for output rows [row_begin, row_end) of one image (bias may be null).
void f32_col2im_nhwc_scalar(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                            size_t row_begin, size_t row_end);
void f32_col2im_nhwc_simd128(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                             size_t row_begin, size_t row_end);

// Calls add(column) for each (input pixel, tap) covering output pixel (oy, ox): its row of cols
// from the tap's first column (groups at group_floats apart).
template <typename Add>
void for_each_covering_tap(const Conv2dGeometry& g, size_t oy, size_t ox, const float* cols, Add add) {
  const size_t cout_g = g.out_channels / g.groups, row = g.kernel_h * g.kernel_w * cout_g;
  for (size_t ky = 0; ky < g.kernel_h; ++ky) {
    const size_t ny = oy + g.pad_top - ky * g.dilation_h;  // wraps below zero
    if (ny > oy + g.pad_top || ny % g.stride_h != 0 || ny / g.stride_h >= g.in_h) continue;
    for (size_t kx = 0; kx < g.kernel_w; ++kx) {
      const size_t nx = ox + g.pad_left - kx * g.dilation_w;
      if (nx > ox + g.pad_left || nx % g.stride_w != 0 || nx / g.stride_w >= g.in_w) continue;
      add(cols + ((ny / g.stride_h) * g.in_w + nx / g.stride_w) * row + (ky * g.kernel_w + kx) * cout_g);
    }
  }
}

// The col2im loop nest both kernels share: each output pixel of rows [row_begin, row_end) starts at
// its bias, then add(dst, src, n) adds each covering tap's n = Cout/g columns of each group.
template <typename AddRow>
void col2im_nhwc(const Conv2dGeometry& g, const float* cols, const float* bias, float* output, size_t row_begin,
                 size_t row_end, AddRow add) {
  const size_t cout_g = g.out_channels / g.groups;
  const size_t group_floats = g.in_h * g.in_w * g.kernel_h * g.kernel_w * cout_g;
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      float* out = output + (oy * g.out_w + ox) * g.out_channels;
      for (size_t c = 0; c < g.out_channels; ++c) out[c] = bias ? bias[c] : 0.f;
      for_each_covering_tap(g, oy, ox, cols, [&](const float* column) {
        for (size_t group = 0; group < g.groups; ++group)
          add(out + group * cout_g, column + group * group_floats, cout_g);
      });
    }
  }
}

}  // namespace wt
