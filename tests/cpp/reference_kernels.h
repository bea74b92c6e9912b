// Plain double-precision references the kernels are tested against.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
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

// An IEEE half's value: sign x 2^(e - 15) x (1 + m / 1024), or x 2^-14 x (m / 1024) when e = 0.
inline double decode_half(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const double magnitude = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
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

// [n, c, h, w] <-> [n, h, w, c].
inline std::vector<float> nchw_to_nhwc(const std::vector<float>& x, size_t n, size_t c, size_t h, size_t w) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < n; ++i)
    for (size_t ch = 0; ch < c; ++ch)
      for (size_t p = 0; p < h * w; ++p) y[(i * h * w + p) * c + ch] = x[(i * c + ch) * h * w + p];
  return y;
}

inline std::vector<float> nhwc_to_nchw(const std::vector<float>& y, size_t n, size_t c, size_t h, size_t w) {
  std::vector<float> x(y.size());
  for (size_t i = 0; i < n; ++i)
    for (size_t ch = 0; ch < c; ++ch)
      for (size_t p = 0; p < h * w; ++p) x[(i * c + ch) * h * w + p] = y[(i * h * w + p) * c + ch];
  return x;
}

// OIHW conv weights as the exporter packs them for NHWC (python/wasm_torch/optimize/layout.py):
// each group's [kh*kw*Cin/g, Cout/g] im2col matrix in panels [ceil(Cout/g / 8), kh*kw*Cin/g, 8].
inline std::vector<float> nhwc_weight_panels(const Conv2dGeometry& g, const std::vector<float>& oihw) {
  const size_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const size_t k = g.kernel_h * g.kernel_w * cin_g, panels = (cout_g + 7) / 8;
  std::vector<float> packed(g.groups * panels * k * 8, 0.f);
  for (size_t grp = 0; grp < g.groups; ++grp)
    for (size_t o = 0; o < cout_g; ++o)
      for (size_t c = 0; c < cin_g; ++c)
        for (size_t ky = 0; ky < g.kernel_h; ++ky)
          for (size_t kx = 0; kx < g.kernel_w; ++kx) {
            const size_t row = (ky * g.kernel_w + kx) * cin_g + c, oc = grp * cout_g + o;
            packed[((grp * panels + o / 8) * k + row) * 8 + o % 8] =
                oihw[((oc * cin_g + c) * g.kernel_h + ky) * g.kernel_w + kx];
          }
  return packed;
}

}  // namespace wt::testing
