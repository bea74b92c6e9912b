// 2-D pooling over NCHW planes (a plane = one (batch, channel) image).
#pragma once

#include <cstddef>

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

void f32_maxpool2d_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                               size_t plane_end);
// Dilation 1 and rows of at most kMaxPoolRow floats (a stack buffer holds one), any stride/padding.
constexpr size_t kMaxPoolRow = 4096;
bool f32_maxpool2d_simd128_supports(const Pool2dGeometry& g);
void f32_maxpool2d_nchw_simd128(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                                size_t plane_end);
void f32_avgpool2d_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                               size_t plane_end);
// PyTorch's adaptive windows: rows [floor(i*H/oh), ceil((i+1)*H/oh)), likewise columns.
void f32_adaptive_maxpool2d_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input,
                                        float* output, size_t plane_begin, size_t plane_end);
void f32_adaptive_avgpool2d_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input,
                                        float* output, size_t plane_begin, size_t plane_end);

}  // namespace wt
