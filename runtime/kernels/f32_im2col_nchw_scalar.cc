#include "kernels/f32_im2col.h"

namespace wt {

void f32_im2col_nchw_scalar(const Conv2dGeometry& g, const float* input, float* col, size_t row_begin, size_t row_end) {
  const size_t area = g.kernel_h * g.kernel_w, out_size = g.out_h * g.out_w;
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t c = row / area, ky = (row % area) / g.kernel_w, kx = row % g.kernel_w;
    const float* in = input + c * g.in_h * g.in_w;
    float* out = col + row * out_size;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
        out[oy * g.out_w + ox] = (iy < g.in_h && ix < g.in_w) ? in[iy * g.in_w + ix] : 0.f;
      }
    }
  }
}

}  // namespace wt
