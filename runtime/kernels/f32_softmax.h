// Softmax and log-softmax along one axis of `n` elements spaced `stride` apart.
#pragma once

#include <cstddef>

namespace wt {

void f32_softmax_strided_scalar(size_t n, size_t stride, const float* x, float* y);
void f32_log_softmax_strided_scalar(size_t n, size_t stride, const float* x, float* y);
// Contiguous rows (stride 1) with SIMD128 and the exp of simd128_math.h; other strides go scalar.
void f32_softmax_simd128(size_t n, size_t stride, const float* x, float* y);

// One block of an online softmax over a row that arrives in blocks (attention over key blocks):
// s[0:n] becomes exp(s - max'), max' = max(*max, max(s)); *sum becomes *sum * r + sum of the new
// s, and r = exp(*max - max') is returned: what earlier exponentials (and anything summed from
// them) must be multiplied by. Start a row with *max = -inf and *sum = 0; after the last block,
// softmax = s / *sum. Entries still all -inf give s = 0, r = 1.
float f32_softmax_block_scalar(size_t n, float* s, float* max, float* sum);
float f32_softmax_block_simd128(size_t n, float* s, float* max, float* sum);

}  // namespace wt
