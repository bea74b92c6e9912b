#include "kernels/f32_conv_transpose2d.h"

namespace wt {

void f32_col2im_nhwc_scalar(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                            size_t row_begin, size_t row_end) {
  col2im_nhwc(g, cols, bias, output, row_begin, row_end, [](float* dst, const float* src, size_t n) {
    for (size_t i = 0; i < n; ++i) dst[i] += src[i];
  });
}

}  // namespace wt
