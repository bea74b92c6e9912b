// Softmax and log-softmax along one axis of `n` elements spaced `stride` apart.
#pragma once

#include <cstddef>

namespace wt {

void f32_softmax_strided_scalar(size_t n, size_t stride, const float* x, float* y);
void f32_log_softmax_strided_scalar(size_t n, size_t stride, const float* x, float* y);
// Contiguous rows (stride 1) with SIMD128 and the exp of simd128_math.h; other strides go scalar.
void f32_softmax_simd128(size_t n, size_t stride, const float* x, float* y);

}  // namespace wt
