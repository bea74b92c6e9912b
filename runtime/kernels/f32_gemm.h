// f32 GEMM with B transposed (PyTorch's linear weight layout [N, K]):
//   C[m, n] = clamp(bias[n] + sum_k A[m, k] * B[n, k])
#pragma once

#include <cstddef>

#include "kernels/activation.h"

namespace wt {

struct F32GemmArgs {
  size_t m, n, k;
  const float* a;
  size_t lda;
  const float* b;
  size_t ldb;
  const float* bias;  // may be null
  float* c;
  size_t ldc;
  F32MinMax minmax;
};

// Computes rows [row_begin, row_end) of C, four columns of B at a time.
void f32_gemm_nt_1x4_scalar(const F32GemmArgs& args, size_t row_begin, size_t row_end);

}  // namespace wt
