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
        out[c] = max_window(g, oy, ox, [&](size_t iy, size_t ix) { return image[(iy * g.in_w + ix) * channels + c]; }).value;
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
