#include <algorithm>

#include "kernels/f32_winograd.h"

namespace wt {
namespace {

constexpr size_t kIn = 6;  // input tile side: 4 outputs + 3 taps - 1

// B^T applied to 6 values at stride s (a row or a column of a 6x6 tile).
inline void input_transform_6(const float* d, size_t s, float* r, size_t rs) {
  const float d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
  r[0] = 4.f * d0 - 5.f * d2 + d4;
  r[rs] = -4.f * (d1 + d2) + d3 + d4;
  r[2 * rs] = 4.f * (d1 - d2) - d3 + d4;
  r[3 * rs] = 2.f * (d3 - d1) - d2 + d4;
  r[4 * rs] = 2.f * (d1 - d3) - d2 + d4;
  r[5 * rs] = 4.f * d1 - 5.f * d3 + d5;
}

// A^T applied to 6 values at stride s.
inline void output_transform_6(const float* m, size_t s, float* o, size_t os) {
  const float m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s], m5 = m[5 * s];
  const float p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
  o[0] = m0 + p12 + p34;
  o[os] = d12 + 2.f * d34;
  o[2 * os] = p12 + 4.f * p34;
  o[3 * os] = d12 + 8.f * d34 + m5;
}

// G applied to 3 values at stride s.
inline void weight_transform_3(const float* g, size_t s, float* u, size_t us) {
  const float g0 = g[0], g1 = g[s], g2 = g[2 * s];
  u[0] = g0 / 4.f;
  u[us] = -(g0 + g1 + g2) / 6.f;
  u[2 * us] = -(g0 - g1 + g2) / 6.f;
  u[3 * us] = g0 / 24.f + g1 / 12.f + g2 / 6.f;
  u[4 * us] = g0 / 24.f - g1 / 12.f + g2 / 6.f;
  u[5 * us] = g2;
}

}  // namespace

void f32_winograd_f4x4_3x3_weights(size_t out_channels, size_t in_channels, const float* weight, float* u,
                                   size_t o_begin, size_t o_end) {
  const size_t plane = out_channels * in_channels;
  for (size_t oc = o_begin * in_channels; oc < o_end * in_channels; ++oc) {
    const float* g = weight + oc * 9;
    float t[kIn * 3], r[kIn * kIn];
    for (size_t x = 0; x < 3; ++x) weight_transform_3(g + x, 3, t + x, 3);    // G g: 6x3
    for (size_t y = 0; y < kIn; ++y) weight_transform_3(t + y * 3, 1, r + y * kIn, 1);  // (G g) G^T: 6x6
    for (size_t pos = 0; pos < kWinogradPositions; ++pos) u[pos * plane + oc] = r[pos];
  }
}

void f32_winograd_f4x4_3x3_input_nchw_scalar(const Conv2dGeometry& g, const float* input, float* v,
                                             size_t channel_begin, size_t channel_end) {
  const size_t tiles_x = (g.out_w + kWinogradTile - 1) / kWinogradTile, tiles = winograd_tiles(g);
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
      for (size_t x = 0; x < kIn; ++x) input_transform_6(d + x, kIn, tmp + x, kIn);  // B^T d
      for (size_t y = 0; y < kIn; ++y) input_transform_6(tmp + y * kIn, 1, r + y * kIn, 1);  // (B^T d) B
      float* out = v + c * tiles + t;
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) out[pos * pos_stride] = r[pos];
    }
  }
}

void f32_winograd_f4x4_3x3_output_nchw_scalar(const Conv2dGeometry& g, const float* m, const float* bias,
                                              F32MinMax minmax, float* output, size_t channel_begin,
                                              size_t channel_end) {
  const size_t tiles_x = (g.out_w + kWinogradTile - 1) / kWinogradTile, tiles = winograd_tiles(g);
  const size_t pos_stride = g.out_channels * tiles;
  for (size_t o = channel_begin; o < channel_end; ++o) {
    float* plane = output + o * g.out_h * g.out_w;
    const float b = bias ? bias[o] : 0.f;
    for (size_t t = 0; t < tiles; ++t) {
      float s[kWinogradPositions], tmp[kWinogradTile * kIn], y[kWinogradTile * kWinogradTile];
      const float* in = m + o * tiles + t;
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) s[pos] = in[pos * pos_stride];
      for (size_t x = 0; x < kIn; ++x) output_transform_6(s + x, kIn, tmp + x, kIn);  // A^T s: 4x6
      for (size_t r = 0; r < kWinogradTile; ++r) output_transform_6(tmp + r * kIn, 1, y + r * kWinogradTile, 1);
      const size_t y0 = (t / tiles_x) * kWinogradTile, x0 = (t % tiles_x) * kWinogradTile;
      const size_t rows = std::min(kWinogradTile, g.out_h - y0), cols = std::min(kWinogradTile, g.out_w - x0);
      for (size_t r = 0; r < rows; ++r) {
        for (size_t col = 0; col < cols; ++col) {
          plane[(y0 + r) * g.out_w + x0 + col] = clamp_minmax(y[r * kWinogradTile + col] + b, minmax);
        }
      }
    }
  }
}

}  // namespace wt
