// Layer normalization over the last `cols` elements of each row, with optional affine.
#pragma once

#include <cstddef>

namespace wt {

// Rows [row_begin, row_end) of x into y (y may be x: each row is read before it is written).
// The scalar reference keeps its statistics in double; the SIMD128 kernel in four f32 lanes.
void f32_layer_norm_scalar(size_t cols, float eps, const float* x, const float* weight, const float* bias, float* y,
                           size_t row_begin, size_t row_end);
void f32_layer_norm_simd128(size_t cols, float eps, const float* x, const float* weight, const float* bias, float* y,
                            size_t row_begin, size_t row_end);

}  // namespace wt
