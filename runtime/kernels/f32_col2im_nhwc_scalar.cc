#include "kernels/f32_conv_transpose2d.h"

namespace wt {

void f32_col2im_nhwc_scalar(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                            size_t row_begin, size_t row_end) {
  const size_t cout_g = g.out_channels / g.groups;
  const size_t group_floats = g.in_h * g.in_w * g.kernel_h * g.kernel_w * cout_g;
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      float* out = output + (oy * g.out_w + ox) * g.out_channels;
      for (size_t c = 0; c < g.out_channels; ++c) out[c] = bias ? bias[c] : 0.f;
      for_each_covering_tap(g, oy, ox, cols, [&](const float* column) {
        for (size_t group = 0; group < g.groups; ++group) {
          for (size_t oc = 0; oc < cout_g; ++oc) out[group * cout_g + oc] += column[group * group_floats + oc];
        }
      });
    }
  }
}

}  // namespace wt
