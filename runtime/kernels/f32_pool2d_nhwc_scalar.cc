#include <limits>

#include "kernels/f32_pool2d.h"

namespace wt {

void f32_maxpool2d_nhwc_scalar(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                               size_t row_begin, size_t row_end) {
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const float* image = input + n * g.in_h * g.in_w * channels;
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      float* out = output + (row * g.out_w + ox) * channels;
      for (size_t c = 0; c < channels; ++c) {
        float m = -std::numeric_limits<float>::infinity();
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
          if (iy >= g.in_h) continue;
          for (size_t kx = 0; kx < g.kernel_w; ++kx) {
            const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
            if (ix >= g.in_w) continue;
            const float v = image[(iy * g.in_w + ix) * channels + c];
            if (v > m || v != v) m = v;  // NaN propagates, as in PyTorch
          }
        }
        out[c] = m;
      }
    }
  }
}

void f32_avgpool2d_nhwc_scalar(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                               size_t row_begin, size_t row_end) {
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const float* image = input + n * g.in_h * g.in_w * channels;
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      const AvgWindow w = avg_window(g, oy, ox);
      float* out = output + (row * g.out_w + ox) * channels;
      for (size_t c = 0; c < channels; ++c) {
        float sum = 0;
        for (size_t y = w.y0; y < w.y1; ++y) {
          for (size_t x = w.x0; x < w.x1; ++x) sum += image[(y * g.in_w + x) * channels + c];
        }
        out[c] = w.divisor ? sum / static_cast<float>(w.divisor) : 0.f;
      }
    }
  }
}

}  // namespace wt
