#include <algorithm>
#include <limits>

#include "kernels/f32_pool2d.h"

namespace wt {

void f32_maxpool2d_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                               size_t plane_end) {
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = input + p * g.in_h * g.in_w;
    float* out = output + p * g.out_h * g.out_w;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        out[oy * g.out_w + ox] = max_window(g, oy, ox, [&](size_t iy, size_t ix) { return in[iy * g.in_w + ix]; }).value;
      }
    }
  }
}

void f32_maxpool2d_indices_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, int64_t* indices,
                                       size_t plane_begin, size_t plane_end) {
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = input + p * g.in_h * g.in_w;
    const size_t at = p * g.out_h * g.out_w;
    for (size_t o = 0; o < g.out_h * g.out_w; ++o) {
      const MaxTap m = max_window(g, o / g.out_w, o % g.out_w, [&](size_t iy, size_t ix) { return in[iy * g.in_w + ix]; });
      output[at + o] = m.value;
      indices[at + o] = m.index;
    }
  }
}

void f32_avgpool2d_nchw_scalar(const Pool2dGeometry& g, const float* input, float* output, size_t plane_begin,
                               size_t plane_end) {
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = input + p * g.in_h * g.in_w;
    float* out = output + p * g.out_h * g.out_w;
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const AvgWindow w = avg_window(g, oy, ox);
        float sum = 0;
        for (size_t y = w.y0; y < w.y1; ++y) {
          for (size_t x = w.x0; x < w.x1; ++x) sum += in[y * g.in_w + x];
        }
        out[oy * g.out_w + ox] = w.divisor ? sum / static_cast<float>(w.divisor) : 0.f;
      }
    }
  }
}

namespace {

// Visits PyTorch's adaptive windows: rows [floor(i*H/oh), ceil((i+1)*H/oh)), likewise columns;
// reduce(plane, y0, y1, x0, x1, output index within all planes).
template <typename Reduce>
void adaptive_pool(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input, size_t plane_begin,
                   size_t plane_end, Reduce reduce) {
  for (size_t p = plane_begin; p < plane_end; ++p) {
    const float* in = input + p * in_h * in_w;
    for (size_t oy = 0; oy < out_h; ++oy) {
      const size_t y0 = oy * in_h / out_h, y1 = ((oy + 1) * in_h + out_h - 1) / out_h;
      for (size_t ox = 0; ox < out_w; ++ox) {
        const size_t x0 = ox * in_w / out_w, x1 = ((ox + 1) * in_w + out_w - 1) / out_w;
        reduce(in, y0, y1, x0, x1, (p * out_h + oy) * out_w + ox);
      }
    }
  }
}

MaxTap adaptive_max(const float* in, size_t in_w, size_t y0, size_t y1, size_t x0, size_t x1) {
  MaxTap m{-std::numeric_limits<float>::infinity(), -1};
  for (size_t y = y0; y < y1; ++y)
    for (size_t x = x0; x < x1; ++x) take_max(m, in[y * in_w + x], static_cast<int64_t>(y * in_w + x));
  return m;
}

}  // namespace

void f32_adaptive_avgpool2d_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input,
                                        float* output, size_t plane_begin, size_t plane_end) {
  adaptive_pool(in_h, in_w, out_h, out_w, input, plane_begin, plane_end,
                [&](const float* in, size_t y0, size_t y1, size_t x0, size_t x1, size_t o) {
                  float sum = 0;
                  for (size_t y = y0; y < y1; ++y)
                    for (size_t x = x0; x < x1; ++x) sum += in[y * in_w + x];
                  output[o] = sum / static_cast<float>((y1 - y0) * (x1 - x0));
                });
}

void f32_adaptive_maxpool2d_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w, const float* input,
                                        float* output, size_t plane_begin, size_t plane_end) {
  adaptive_pool(in_h, in_w, out_h, out_w, input, plane_begin, plane_end,
                [&](const float* in, size_t y0, size_t y1, size_t x0, size_t x1, size_t o) {
                  output[o] = adaptive_max(in, in_w, y0, y1, x0, x1).value;
                });
}

void f32_adaptive_maxpool2d_indices_nchw_scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                                const float* input, float* output, int64_t* indices,
                                                size_t plane_begin, size_t plane_end) {
  adaptive_pool(in_h, in_w, out_h, out_w, input, plane_begin, plane_end,
                [&](const float* in, size_t y0, size_t y1, size_t x0, size_t x1, size_t o) {
                  const MaxTap m = adaptive_max(in, in_w, y0, y1, x0, x1);
                  output[o] = m.value;
                  indices[o] = m.index;
                });
}

}  // namespace wt
