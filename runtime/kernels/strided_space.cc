#include "kernels/strided_space.h"

namespace wt {

size_t StridedSpace::count() const {
  size_t n = 1;
  for (int i = 0; i < rank; ++i) n *= size[i];
  return n;
}

bool StridedSpace::is_contiguous() const {
  size_t expected = 1;
  for (int i = rank - 1; i >= 0; --i) {
    if (size[i] != 1 && stride[i] != expected) return false;
    expected *= size[i];
  }
  return true;
}

size_t StridedSpace::offset(size_t flat) const {
  size_t off = 0;
  for (int i = rank - 1; i >= 0; --i) {
    off += (flat % size[i]) * stride[i];
    flat /= size[i];
  }
  return off;
}

StridedSpace StridedSpace::coalesced() const {
  StridedSpace out;
  for (int i = 0; i < rank; ++i) {
    if (size[i] == 1) continue;
    const int last = out.rank - 1;
    if (last >= 0 && out.stride[last] == stride[i] * size[i]) {
      out.size[last] *= size[i];
      out.stride[last] = stride[i];
      continue;
    }
    out.size[out.rank] = size[i];
    out.stride[out.rank++] = stride[i];
  }
  return out;
}

}  // namespace wt
