#include "kernels/f32_conv_transpose2d.h"

namespace wt {

void f32_conv_transpose2d_nchw_scalar(const Conv2dGeometry& g, const float* input, const float* weight,
                                      const float* bias, float* output, size_t plane_begin, size_t plane_end) {
  const size_t cin_per_group = g.in_channels / g.groups;
  const size_t cout_per_group = g.out_channels / g.groups;
  const size_t kernel_area = g.kernel_h * g.kernel_w;
  for (size_t plane = plane_begin; plane < plane_end; ++plane) {
    const size_t n = plane / g.out_channels, oc = plane % g.out_channels;
    const size_t group = oc / cout_per_group, oc_in_group = oc % cout_per_group;
    float* out = output + plane * g.out_h * g.out_w;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        float acc = bias ? bias[oc] : 0.f;
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const long ny = long(oy + g.pad_top) - long(ky * g.dilation_h);
          if (ny < 0 || ny % long(g.stride_h) != 0) continue;
          const size_t iy = size_t(ny) / g.stride_h;
          if (iy >= g.in_h) continue;
          for (size_t kx = 0; kx < g.kernel_w; ++kx) {
            const long nx = long(ox + g.pad_left) - long(kx * g.dilation_w);
            if (nx < 0 || nx % long(g.stride_w) != 0) continue;
            const size_t ix = size_t(nx) / g.stride_w;
            if (ix >= g.in_w) continue;
            for (size_t ic = 0; ic < cin_per_group; ++ic) {
              const size_t in_c = group * cin_per_group + ic;
              acc += input[((n * g.in_channels + in_c) * g.in_h + iy) * g.in_w + ix] *
                     weight[(in_c * cout_per_group + oc_in_group) * kernel_area + ky * g.kernel_w + kx];
            }
          }
        }
        out[oy * g.out_w + ox] = acc;
      }
    }
  }
}

}  // namespace wt
