// f32 GEMM: C[m, n] = clamp(row_bias[m] + col_bias[n] + sum_k A[m, k] * B(k, n)), where B(k, n)
// is read at b[n * b_stride_n + k * b_stride_k]: linear's exported weight [K, N] has strides
// (1, N), PyTorch's [N, K] layout (K, 1); matmul's right operand and im2col columns are [K, N].
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
  const float* bias;  // per column n; may be null
  float* c;
  size_t ldc;
  F32MinMax minmax;
  const float* row_bias;  // per row m (NCHW convolution as GEMM); may be null
};

// The scalar reference microkernel: rows [row_begin, row_end) of C, four columns at a time.
void f32_gemm_1x4_scalar(const F32GemmArgs& args, size_t row_begin, size_t row_end);

// One full 4x8 tile of C with SIMD128; B rows contiguous in n (b_stride_n == 1), ldb = b_stride_k.
void f32_gemm_4x8_simd128(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                          const float* row_bias, const float* col_bias, F32MinMax minmax);

// One row of C, 8 columns (batch-1 linear layers are all such rows); same contract as the 4x8 tile.
void f32_gemm_1x8_simd128(size_t k, const float* a, const float* b, size_t ldb, float* c, float row_bias,
                          const float* col_bias, F32MinMax minmax);

// Rows [row_begin, row_end) of C with the best kernels this build has: 4x8 SIMD tiles where B is
// contiguous in n, the scalar kernel for edges and other layouts.
void f32_gemm(const F32GemmArgs& args, size_t row_begin, size_t row_end);

// Rows per task that keep whole SIMD tiles together when the pool splits a GEMM.
constexpr size_t kGemmRowTile = 4;

}  // namespace wt
