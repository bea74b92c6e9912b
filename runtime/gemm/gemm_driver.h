// The GEMM driver shared by linear, matmul, convolution and attention: C[m, n] = epilogue(A[m, k] x
// B[k, n]), run as a GemmPlan (gemm_plan.h) made when the op was prepared. A is read in place or
// packed from a GemmASource; B comes from a GemmBSource (gemm_operands.h).
#pragma once

#include <cstddef>

#include "gemm/gemm_operands.h"
#include "gemm/gemm_plan.h"
#include "kernels/activation.h"
#include "kernels/f32_vunary.h"
#include "kernels/kernel_table.h"
#include "threading/thread_pool.h"

namespace wt {

// The operands and epilogue of one run of a plan.
struct GemmArgs {
  const KernelTable* kernels;  // the model's (PrepareContext::kernel_table), which ops keep from prepare
  const float* a;              // rows lda apart; unused when A comes from a_source
  size_t lda;
  float* c;
  size_t ldc;
  const float* row_bias = nullptr;  // [m]; may be null
  const float* col_bias = nullptr;  // [n]; may be null
  F32MinMax minmax;
  F32UnaryFn activation = nullptr;  // applied in place to each finished block of C (fused silu, gelu...)
  const GemmASource* a_source = nullptr;  // where A's rows come from when the shape says a_packed
  float* workspace = nullptr;             // the plan's workspace_bytes of op scratch
};

// Runs the plan's tasks over the pool (a serial plan: on the calling thread, with its scratch).
void run_gemm(const GemmPlan& plan, const GemmArgs& args, const GemmBSource& b, ThreadPool& pool);

}  // namespace wt
