// im2col for NCHW convolution as GEMM: column matrix [C*kh*kw, OH*OW] of one image's channel
// group, zero where the window hits padding.
#pragma once

#include <cstddef>

#include "kernels/f32_conv2d.h"

namespace wt {

// Rows [row_begin, row_end) of the column matrix of `channels` channels starting at `input`.
void f32_im2col_nchw_scalar(const Conv2dGeometry& g, const float* input, float* col, size_t row_begin, size_t row_end);

}  // namespace wt
