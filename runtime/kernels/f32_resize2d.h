// 2-D resize over NCHW planes with PyTorch's source-index rules (upsample_nearest2d,
// upsample_bilinear2d): `scale_h/w` are the source steps per output pixel as PyTorch computes them.
#pragma once

#include <cstddef>

namespace wt {

struct Resize2dGeometry {
  size_t in_h, in_w, out_h, out_w;
  float scale_h, scale_w;
  bool align_corners;  // bilinear only
};

void f32_resize2d_nearest_scalar(const Resize2dGeometry& g, const float* x, float* y, size_t plane_begin,
                                 size_t plane_end);
void f32_resize2d_bilinear_scalar(const Resize2dGeometry& g, const float* x, float* y, size_t plane_begin,
                                  size_t plane_end);

}  // namespace wt
