// Depthwise 2-D convolution over NHWC (one input channel per group, channel multiplier 1): vectors
// across channels, any kernel, stride and dilation. (NCHW files run the generic direct convolution,
// f32_conv2d.h.)
#pragma once

#include <cstddef>

#include "kernels/f32_conv2d.h"

namespace wt {

// NHWC: input [N, H, W, C], weight [kh, kw, C], bias [C] (may be null); output rows [row_begin,
// row_end) of all images (row = n * out_h + oy), every pixel and channel.
void f32_dwconv2d_nhwc_scalar(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                              F32MinMax minmax, float* output, size_t row_begin, size_t row_end);
// Taps in the padding read a row of zeros in `scratch` (private to the calling thread), so it needs
// scratch_floats >= channels; with fewer it runs the scalar kernel.
void f32_dwconv2d_nhwc_simd128(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                               F32MinMax minmax, float* output, size_t row_begin, size_t row_end, float* scratch,
                               size_t scratch_floats);

}  // namespace wt
