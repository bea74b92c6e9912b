#include "kernels/x32_zip.h"

namespace wt {

void x32_zip3_scalar(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end) {
  for (size_t p = begin; p < end; ++p) {
    const size_t b = p / cols, j = p % cols;
    const uint32_t* image = x + b * 3 * cols;
    for (size_t i = 0; i < 3; ++i) y[3 * p + i] = image[i * cols + j];
  }
}

}  // namespace wt
