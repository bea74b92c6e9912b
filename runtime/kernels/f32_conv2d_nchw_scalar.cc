#include "kernels/f32_conv2d.h"

namespace wt {

void f32_conv2d_nchw_scalar(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                            F32MinMax minmax, float* output, size_t plane_begin, size_t plane_end) {
  const size_t cin_per_group = g.in_channels / g.groups;
  const size_t cout_per_group = g.out_channels / g.groups;
  const size_t in_plane = g.in_h * g.in_w;
  for (size_t plane = plane_begin; plane < plane_end; ++plane) {
    const size_t n = plane / g.out_channels;
    const size_t oc = plane % g.out_channels;
    const size_t group = oc / cout_per_group;
    const float* in = input + (n * g.in_channels + group * cin_per_group) * in_plane;
    const float* w = weight + oc * cin_per_group * g.kernel_h * g.kernel_w;
    float* out = output + plane * g.out_h * g.out_w;
    const float b = bias ? bias[oc] : 0.f;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        float acc = b;
        for (size_t ic = 0; ic < cin_per_group; ++ic) {
          const float* in_c = in + ic * in_plane;
          const float* w_c = w + ic * g.kernel_h * g.kernel_w;
          for (size_t ky = 0; ky < g.kernel_h; ++ky) {
            // Unsigned wrap-around makes out-of-range (padding) rows fail the `< in_h` test.
            const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;
            if (iy >= g.in_h) continue;
            for (size_t kx = 0; kx < g.kernel_w; ++kx) {
              const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
              if (ix >= g.in_w) continue;
              acc += in_c[iy * g.in_w + ix] * w_c[ky * g.kernel_w + kx];
            }
          }
        }
        out[oy * g.out_w + ox] = clamp_minmax(acc, minmax);
      }
    }
  }
}

}  // namespace wt
