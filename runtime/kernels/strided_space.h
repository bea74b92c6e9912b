// A strided index space: `rank` dims with sizes and element strides, walked in row-major order.
// Used to describe reductions and views (permute, expand, slice) over a contiguous buffer.
#pragma once

#include <cstddef>

namespace wt {

struct StridedSpace {
  static constexpr int kMaxDims = 8;
  int rank = 0;
  size_t size[kMaxDims] = {};
  size_t stride[kMaxDims] = {};
  size_t count() const;
  size_t offset(size_t flat) const;  // element offset of the flat-th index (row-major)
  bool is_contiguous() const;        // offset(flat) == flat for every index
  // The same walk over the fewest dims: size-1 dims dropped, a dim merged into the one before it
  // where that one's stride continues it.
  StridedSpace coalesced() const;
};

}  // namespace wt
