// Plain double-precision references the kernels are tested against.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/f32_conv2d.h"

namespace wt::testing {

inline std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

inline double clamp_ref(double v, F32MinMax p) { return std::fmin(std::fmax(v, p.min), p.max); }

inline void conv2d_ref(const Conv2dGeometry& g, const float* in, const float* w, const float* bias, F32MinMax mm,
                       float* out) {
  const size_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  for (size_t n = 0; n < g.batch; ++n)
    for (size_t oc = 0; oc < g.out_channels; ++oc)
      for (size_t oy = 0; oy < g.out_h; ++oy)
        for (size_t ox = 0; ox < g.out_w; ++ox) {
          double acc = bias ? bias[oc] : 0.0;
          const size_t group = oc / cout_g;
          for (size_t ic = 0; ic < cin_g; ++ic)
            for (size_t ky = 0; ky < g.kernel_h; ++ky)
              for (size_t kx = 0; kx < g.kernel_w; ++kx) {
                const long iy = long(oy * g.stride_h + ky * g.dilation_h) - long(g.pad_top);
                const long ix = long(ox * g.stride_w + kx * g.dilation_w) - long(g.pad_left);
                if (iy < 0 || ix < 0 || iy >= long(g.in_h) || ix >= long(g.in_w)) continue;
                acc += double(in[((n * g.in_channels + group * cin_g + ic) * g.in_h + iy) * g.in_w + ix]) *
                       w[((oc * cin_g + ic) * g.kernel_h + ky) * g.kernel_w + kx];
              }
          out[((n * g.out_channels + oc) * g.out_h + oy) * g.out_w + ox] = float(clamp_ref(acc, mm));
        }
}

}  // namespace wt::testing
