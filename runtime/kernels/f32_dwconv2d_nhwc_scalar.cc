#include "kernels/f32_dwconv2d.h"

namespace wt {

void f32_dwconv2d_nhwc_scalar(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                              F32MinMax minmax, float* output, size_t row_begin, size_t row_end) {
  const size_t channels = g.in_channels;
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const float* image = input + n * g.in_h * g.in_w * channels;
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      float* out = output + (row * g.out_w + ox) * channels;
      for (size_t c = 0; c < channels; ++c) {
        float acc = bias ? bias[c] : 0.f;
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
          if (iy >= g.in_h) continue;
          for (size_t kx = 0; kx < g.kernel_w; ++kx) {
            const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
            if (ix < g.in_w)
              acc += image[(iy * g.in_w + ix) * channels + c] * weight[(ky * g.kernel_w + kx) * channels + c];
          }
        }
        out[c] = clamp_minmax(acc, minmax);
      }
    }
  }
}

}  // namespace wt
