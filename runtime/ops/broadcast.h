// NumPy/PyTorch broadcasting for binary elementwise ops, reduced to a loop over "runs": the
// shapes are coalesced so that the innermost dimension is as long as possible and each run is
// either vector-vector or vector-scalar.
#pragma once

#include <array>
#include <cstddef>

#include "ops/op.h"

namespace wt {

struct BroadcastPlan {
  static constexpr int kMaxDims = kMaxRank;
  int rank = 0;  // coalesced dims, outermost first
  std::array<size_t, kMaxDims> size{};
  std::array<size_t, kMaxDims> a_stride{};  // 0 where a is broadcast
  std::array<size_t, kMaxDims> b_stride{};
  size_t runs = 1;                            // product of all dims but the innermost
  size_t run_length = 1;                      // the innermost dim
  size_t a_run_stride = 1, b_run_stride = 1;  // 1 or 0 (broadcast scalar within a run)

  // Element offsets of run `r` in a and b.
  void run_offsets(size_t r, size_t* a_off, size_t* b_off) const;
};

Result<Shape> broadcast_shapes(const PrepareContext& ctx, const Shape& a, const Shape& b);
BroadcastPlan make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out);

}  // namespace wt
