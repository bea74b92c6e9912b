#include "kernels/x32_zip.h"

namespace wt {

void x32_zip2_scalar(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end) {
  for (size_t b = batch_begin; b < batch_end; ++b) {
    const uint32_t* first = x + b * 2 * cols;
    const uint32_t* second = first + cols;
    uint32_t* out = y + b * 2 * cols;
    for (size_t j = 0; j < cols; ++j) {
      out[2 * j] = first[j];
      out[2 * j + 1] = second[j];
    }
  }
}

}  // namespace wt
