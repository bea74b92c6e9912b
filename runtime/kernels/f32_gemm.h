// f32 GEMM: C[m, n] = clamp(bias[n] + sum_k A[m, k] * B(k, n)), where B(k, n) is read at
// b[n * b_stride_n + k * b_stride_k]: linear's weight [N, K] has strides (K, 1); matmul's
// right operand [K, N] has strides (1, N).
#pragma once

#include <cstddef>

#include "kernels/activation.h"

namespace wt {

struct F32GemmArgs {
  size_t m, n, k;
  const float* a;
  size_t lda;
  const float* b;
  size_t b_stride_n, b_stride_k;
  const float* bias;  // may be null
  float* c;
  size_t ldc;
  F32MinMax minmax;
};

// Computes rows [row_begin, row_end) of C, four columns of B at a time.
void f32_gemm_1x4_scalar(const F32GemmArgs& args, size_t row_begin, size_t row_end);

}  // namespace wt
