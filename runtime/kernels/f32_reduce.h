// Reductions over a strided index space. Output element o reads input elements
// base(o) + offset(r) for r over the reduced index space; both are given as dims + strides.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/strided_space.h"

namespace wt {

enum class ReduceOp { kSum, kMean, kMax, kMin, kVar, kProd };  // kVar: divides by (count - correction)

struct ReduceGeometry {
  StridedSpace kept;     // one entry per output element
  StridedSpace reduced;  // the elements each output combines
  ReduceOp op;
  double correction;  // kVar only (1 = unbiased, as torch.var's default)
  bool take_sqrt;     // kVar only: std
};

void f32_reduce_scalar(const ReduceGeometry& g, const float* x, float* y, size_t out_begin, size_t out_end);
// int64: kSum and kProd (wrapping, as PyTorch), kMax, kMin; exact at any magnitude.
void i64_reduce_scalar(const ReduceGeometry& g, const int64_t* x, int64_t* y, size_t out_begin, size_t out_end);

// A reduction over the middle axis of x viewed as [outer, rows, inner] (NHWC global pooling:
// [N, H*W, C]): y[a][b] = op over r of x[a][r][b], outputs [out_begin, out_end) of y's flat
// [outer, inner]. kSum, kMean, kMax and kMin (NaN propagates). The SIMD kernel runs across b.
struct ReduceRows {
  size_t outer, rows, inner;
  ReduceOp op;
};
void f32_reduce_rows_scalar(const ReduceRows& g, const float* x, float* y, size_t out_begin, size_t out_end);
void f32_reduce_rows_simd128(const ReduceRows& g, const float* x, float* y, size_t out_begin, size_t out_end);

}  // namespace wt
