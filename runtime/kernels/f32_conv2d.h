// Direct 2-D convolution over NCHW tensors, with groups, stride, padding and dilation.
#pragma once

#include <cstddef>

#include "kernels/activation.h"

namespace wt {

struct Conv2dGeometry {
  size_t batch, in_channels, in_h, in_w;
  size_t out_channels, out_h, out_w;
  size_t kernel_h, kernel_w;
  size_t stride_h, stride_w;
  size_t pad_top, pad_left;
  size_t dilation_h, dilation_w;
  size_t groups;
};

// Computes output planes [plane_begin, plane_end), a plane being one (batch, out_channel).
void f32_conv2d_nchw_scalar(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                            F32MinMax minmax, float* output, size_t plane_begin, size_t plane_end);

}  // namespace wt
