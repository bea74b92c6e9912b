// Per-channel affine transforms (batch norm in inference): y = x * scale + shift.
#pragma once

#include <cstddef>

#include "kernels/activation.h"

namespace wt {

// One channel's plane (NCHW): scale and shift are that channel's.
void f32_vscaleshift_scalar(size_t n, const float* x, float scale, float shift, float* y);

// Channels last (NHWC, or any [..., C]): y[p, c] = clamp(x[p, c] * scale[c] + shift[c]) for `pixels`
// rows of `channels`, the clamp a fused ReLU/ReLU6 (NaN passes it, as in clamp_minmax). DenseNet's
// pre-activation batch norm and ReLU, which no convolution before them can absorb, in one pass
// where they were a mul, an add and a ReLU.
void f32_vscaleshift_channels_scalar(size_t pixels, size_t channels, const float* x, const float* scale,
                                     const float* shift, F32MinMax minmax, float* y);
void f32_vscaleshift_channels_simd128(size_t pixels, size_t channels, const float* x, const float* scale,
                                      const float* shift, F32MinMax minmax, float* y);
using F32VScaleShiftChannelsFn = void (*)(size_t, size_t, const float*, const float*, const float*, F32MinMax, float*);

}  // namespace wt
