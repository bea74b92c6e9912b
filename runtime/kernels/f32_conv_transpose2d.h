// Transposed 2-D convolution over NCHW, in gather form: each output pixel sums the input pixels
// whose strided footprint covers it, so output planes are independent (parallel, no atomics).
#pragma once

#include <cstddef>

#include "kernels/f32_conv2d.h"

namespace wt {

// Geometry as Conv2dGeometry, read for the transposed op: weight is [Cin, Cout/groups, kh, kw].
void f32_conv_transpose2d_nchw_scalar(const Conv2dGeometry& g, const float* input, const float* weight,
                                      const float* bias, float* output, size_t plane_begin, size_t plane_end);

}  // namespace wt
