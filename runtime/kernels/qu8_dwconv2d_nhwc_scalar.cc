#include "kernels/qu8_dwconv2d.h"

#include <algorithm>

namespace wt {

void qu8_dw_pack_weights(const Conv2dGeometry& g, const int8_t* w, int zero_point, int8_t* quads,
                         int32_t* column_offset) {
  const size_t channels = g.in_channels, cp = qu8_dw_padded_channels(channels);
  std::fill(quads, quads + qu8_dw_row_quads(g.kernel_h) * g.kernel_w * cp * kQu8DwRowsPerQuad, int8_t{0});
  std::fill(column_offset, column_offset + cp, 0);
  for (size_t ky = 0; ky < g.kernel_h; ++ky) {
    for (size_t kx = 0; kx < g.kernel_w; ++kx) {
      for (size_t c = 0; c < channels; ++c) {
        const int8_t v = w[(ky * g.kernel_w + kx) * channels + c];
        quads[qu8_dw_weight_index(g.kernel_w, cp, ky, kx, c)] = v;
        column_offset[c] += zero_point * v;
      }
    }
  }
}

size_t qu8_dwconv2d_min_scratch_bytes(const Conv2dGeometry& g) {
  return qu8_dw_row_quads(g.kernel_h) * ((g.kernel_w - 1) * g.dilation_w + 1) * kQu8DwChannelBlock *
         kQu8DwRowsPerQuad;
}

void qu8_f32_qc8w_dwconv2d_nhwc_scalar(const Conv2dGeometry& g, const uint8_t* input, const Qu8DwWeights& w,
                                       F32MinMax minmax, float* output, size_t row_begin, size_t row_end, uint8_t*,
                                       size_t) {
  const size_t channels = g.in_channels, cp = qu8_dw_padded_channels(channels);
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const uint8_t* image = input + n * g.in_h * g.in_w * channels;
    float* out = output + row * g.out_w * channels;
    for (size_t ox = 0; ox < g.out_w; ++ox, out += channels) {
      for (size_t c = 0; c < channels; ++c) {
        int32_t sum = 0;
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
          for (size_t kx = 0; kx < g.kernel_w; ++kx) {
            const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
            const int32_t u = iy < g.in_h && ix < g.in_w ? image[(iy * g.in_w + ix) * channels + c] : w.zero_point;
            sum += u * w.quads[qu8_dw_weight_index(g.kernel_w, cp, ky, kx, c)];
          }
        }
        // In the order the SIMD kernel rounds in (no fused multiply-add).
        float v = static_cast<float>(sum - w.column_offset[c]) * w.scale[c];
        v += w.bias[c];
        out[c] = clamp_minmax(v, minmax);
      }
    }
  }
}

}  // namespace wt
