#include "kernels/f32_vscaleshift.h"

namespace wt {

void f32_vscaleshift_scalar(size_t n, const float* x, float scale, float shift, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

void f32_vscaleshift_channels_scalar(size_t pixels, size_t channels, const float* x, const float* scale,
                                     const float* shift, F32MinMax minmax, float* y) {
  for (size_t p = 0; p < pixels; ++p, x += channels, y += channels) {
    for (size_t c = 0; c < channels; ++c) y[c] = clamp_minmax(x[c] * scale[c] + shift[c], minmax);
  }
}

}  // namespace wt
