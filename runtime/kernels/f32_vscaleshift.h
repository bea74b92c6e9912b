// Per-channel affine transform (batch norm in inference): y = x * scale + shift.
#pragma once

#include <cstddef>

namespace wt {

void f32_vscaleshift_scalar(size_t n, const float* x, float scale, float shift, float* y);

}  // namespace wt
