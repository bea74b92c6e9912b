// Layer normalization over the last `cols` elements of each row, with optional affine.
#pragma once

#include <cstddef>

namespace wt {

void f32_layer_norm_scalar(size_t cols, float eps, const float* x, const float* weight, const float* bias, float* y,
                           size_t row_begin, size_t row_end);

}  // namespace wt
