#include <algorithm>
#include <cmath>

#include "kernels/f32_resize2d.h"

namespace wt {
namespace {

struct Tap {
  size_t i0, i1;
  float w1;  // weight of i1; i0 gets 1 - w1
};

Tap bilinear_tap(size_t dst, float scale, size_t in, bool align_corners) {
  float src = align_corners ? scale * static_cast<float>(dst) : scale * (static_cast<float>(dst) + 0.5f) - 0.5f;
  if (src < 0.f) src = 0.f;
  const size_t i0 = std::min(static_cast<size_t>(src), in - 1);
  const size_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
  return {i0, i1, src - static_cast<float>(i0)};
}

}  // namespace

void f32_resize2d_nearest_scalar(const Resize2dGeometry& g, const float* x, float* y, size_t plane_begin,
                                 size_t plane_end) {
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = x + p * g.in_h * g.in_w;
    float* out = y + p * g.out_h * g.out_w;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const size_t iy = std::min(static_cast<size_t>(std::floor(static_cast<float>(oy) * g.scale_h)), g.in_h - 1);
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const size_t ix = std::min(static_cast<size_t>(std::floor(static_cast<float>(ox) * g.scale_w)), g.in_w - 1);
        out[oy * g.out_w + ox] = in[iy * g.in_w + ix];
      }
    }
  }
}

void f32_resize2d_bilinear_scalar(const Resize2dGeometry& g, const float* x, float* y, size_t plane_begin,
                                  size_t plane_end) {
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = x + p * g.in_h * g.in_w;
    float* out = y + p * g.out_h * g.out_w;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const Tap ty = bilinear_tap(oy, g.scale_h, g.in_h, g.align_corners);
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const Tap tx = bilinear_tap(ox, g.scale_w, g.in_w, g.align_corners);
        const float top = in[ty.i0 * g.in_w + tx.i0] * (1.f - tx.w1) + in[ty.i0 * g.in_w + tx.i1] * tx.w1;
        const float bottom = in[ty.i1 * g.in_w + tx.i0] * (1.f - tx.w1) + in[ty.i1 * g.in_w + tx.i1] * tx.w1;
        out[oy * g.out_w + ox] = top * (1.f - ty.w1) + bottom * ty.w1;
      }
    }
  }
}

}  // namespace wt
