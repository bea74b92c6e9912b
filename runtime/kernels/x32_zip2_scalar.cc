#include "kernels/x32_zip.h"

namespace wt {

void x32_zip2_scalar(size_t cols, const X32Zip2Rows& rows, size_t batch_begin, size_t batch_end) {
  for (size_t b = batch_begin; b < batch_end; ++b) {
    const uint32_t* first = rows.first + b * rows.x_stride;
    const uint32_t* second = rows.second + b * rows.x_stride;
    uint32_t* out = rows.y + b * rows.y_stride;
    for (size_t j = 0; j < cols; ++j) {
      out[2 * j] = first[j];
      out[2 * j + 1] = second[j];
    }
  }
}

}  // namespace wt
