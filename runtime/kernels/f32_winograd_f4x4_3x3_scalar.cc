#include <algorithm>

#include "kernels/f32_winograd.h"
#include "kernels/winograd_f4x4_3x3_transforms.h"

namespace wt {

using winograd::kIn;

void f32_winograd_f4x4_3x3_weights_scalar(size_t in_channels, const float* weight, float* u, size_t o_begin, size_t o_end) {
  for (size_t o = o_begin; o < o_end; ++o) {
    float* block = u + o * kWinogradPositions * in_channels;
    for (size_t c = 0; c < in_channels; ++c) {
      const float* g = weight + (o * in_channels + c) * 9;
      float r[kIn * kIn];
      winograd::weight_tile(g, r);
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) block[pos * in_channels + c] = r[pos];
    }
  }
}

void f32_winograd_f4x4_3x3_input_nchw_scalar(const Conv2dGeometry& g, const float* input, float* v,
                                             size_t channel_begin, size_t channel_end) {
  const size_t tiles_x = winograd_tiles_x(g), tiles = winograd_tiles(g);
  const size_t pos_stride = g.in_channels * tiles;
  for (size_t c = channel_begin; c < channel_end; ++c) {
    const float* plane = input + c * g.in_h * g.in_w;
    for (size_t t = 0; t < tiles; ++t) {
      const size_t y0 = (t / tiles_x) * kWinogradTile - g.pad_top, x0 = (t % tiles_x) * kWinogradTile - g.pad_left;
      float d[kIn * kIn], tmp[kIn * kIn], r[kIn * kIn];
      for (size_t y = 0; y < kIn; ++y) {
        const size_t iy = y0 + y;  // wraps when in padding
        for (size_t x = 0; x < kIn; ++x) {
          const size_t ix = x0 + x;
          d[y * kIn + x] = (iy < g.in_h && ix < g.in_w) ? plane[iy * g.in_w + ix] : 0.f;
        }
      }
      for (size_t x = 0; x < kIn; ++x) winograd::input_transform_6(d + x, kIn, tmp + x, kIn);  // B^T d
      for (size_t y = 0; y < kIn; ++y) winograd::input_transform_6(tmp + y * kIn, 1, r + y * kIn, 1);  // (B^T d) B
      float* out = v + c * tiles + t;
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) out[pos * pos_stride] = r[pos];
    }
  }
}

void f32_winograd_f4x4_3x3_output_nchw_scalar(const Conv2dGeometry& g, const float* m, const float* bias,
                                              const float* residual, F32MinMax minmax, float* output,
                                              size_t channel_begin, size_t channel_end) {
  const size_t tiles_x = winograd_tiles_x(g), tiles = winograd_tiles(g);
  const size_t pos_stride = g.out_channels * tiles;
  for (size_t o = channel_begin; o < channel_end; ++o) {
    float* plane = output + o * g.out_h * g.out_w;
    const float* residual_plane = residual ? residual + o * g.out_h * g.out_w : nullptr;
    const float b = bias ? bias[o] : 0.f;
    for (size_t t = 0; t < tiles; ++t) {
      float s[kWinogradPositions], tmp[kWinogradTile * kIn], y[kWinogradTile * kWinogradTile];
      const float* in = m + o * tiles + t;
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) s[pos] = in[pos * pos_stride];
      for (size_t x = 0; x < kIn; ++x) winograd::output_transform_6(s + x, kIn, tmp + x, kIn);  // A^T s: 4x6
      for (size_t r = 0; r < kWinogradTile; ++r) winograd::output_transform_6(tmp + r * kIn, 1, y + r * kWinogradTile, 1);
      const size_t y0 = (t / tiles_x) * kWinogradTile, x0 = (t % tiles_x) * kWinogradTile;
      const size_t rows = std::min(kWinogradTile, g.out_h - y0), cols = std::min(kWinogradTile, g.out_w - x0);
      for (size_t r = 0; r < rows; ++r) {
        for (size_t col = 0; col < cols; ++col) {
          const size_t at = (y0 + r) * g.out_w + x0 + col;
          plane[at] =
              clamp_minmax(y[r * kWinogradTile + col] + b + (residual_plane ? residual_plane[at] : 0.f), minmax);
        }
      }
    }
  }
}

}  // namespace wt
