#include <cstring>

#include "kernels/copy_strided.h"

namespace wt {

void copy_strided_scalar(const StridedSpace& src, size_t base, size_t element_size, const uint8_t* x, uint8_t* y,
                         size_t begin, size_t end) {
  // The innermost dimension is walked directly; only row starts need the full index arithmetic.
  const size_t inner = src.rank ? src.size[src.rank - 1] : 1;
  const size_t inner_stride = src.rank ? src.stride[src.rank - 1] : 0;
  for (size_t i = begin; i < end;) {
    const size_t within = i % inner;
    const size_t run = (inner - within) < (end - i) ? inner - within : end - i;
    const uint8_t* from = x + (base + src.offset(i)) * element_size;
    uint8_t* to = y + i * element_size;
    if (inner_stride == 1) {
      std::memcpy(to, from, run * element_size);
    } else {
      for (size_t r = 0; r < run; ++r)
        std::memcpy(to + r * element_size, from + r * inner_stride * element_size, element_size);
    }
    i += run;
  }
}

}  // namespace wt
