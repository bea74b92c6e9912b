// Reductions over a strided index space. Output element o reads input elements
// base(o) + offset(r) for r over the reduced index space; both are given as dims + strides.
#pragma once

#include <cstddef>

#include "kernels/strided_space.h"

namespace wt {

enum class ReduceOp { kSum, kMean, kMax, kMin, kVar };  // kVar: divides by (count - correction)

struct ReduceGeometry {
  StridedSpace kept;     // one entry per output element
  StridedSpace reduced;  // the elements each output combines
  ReduceOp op;
  double correction;  // kVar only (1 = unbiased, as torch.var's default)
  bool take_sqrt;     // kVar only: std
};

void f32_reduce_scalar(const ReduceGeometry& g, const float* x, float* y, size_t out_begin, size_t out_end);

}  // namespace wt
