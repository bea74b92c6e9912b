// Depthwise 2-D convolution (one input channel per group, channel multiplier 1). NCHW with
// SIMD128: four adjacent output pixels per vector, stride 1 or 2; borders use the scalar path.
// NHWC: vectors across channels, any kernel, stride and dilation.
#pragma once

#include <cstddef>

#include "kernels/f32_conv2d.h"

namespace wt {

// True when f32_dwconv2d_nchw_simd128 handles the geometry in this build.
bool f32_dwconv2d_simd128_supports(const Conv2dGeometry& g);

// `scratch` (scratch_floats long, private to the calling thread) holds a zero-padded copy of one
// input plane when it fits: then the 3x3/5x5 kernels cover every output without bounds checks.
void f32_dwconv2d_nchw_simd128(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                               F32MinMax minmax, float* output, size_t plane_begin, size_t plane_end, float* scratch,
                               size_t scratch_floats);

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
