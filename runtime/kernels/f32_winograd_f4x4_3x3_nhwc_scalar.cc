#include <algorithm>

#include "kernels/f32_gemm.h"
#include "kernels/f32_winograd.h"
#include "kernels/qd8_gemm.h"
#include "kernels/winograd_f4x4_3x3_transforms.h"

namespace wt {

using winograd::kIn;

namespace {

// The transform of panels [panel_begin, panel_end), weight (panel p, tap, channel c, lane) read by
// weight(p, tap, c, lane).
template <typename Weight>
void weights_panels(const WinogradWeightsBlock& block, float* u, Weight weight) {
  const size_t channels = block.channel_end - block.channel_begin;
  for (size_t p = block.panel_begin; p < block.panel_end; ++p) {
    for (size_t c = block.channel_begin; c < block.channel_end; ++c) {
      const size_t row = (p - block.panel_begin) * channels + c - block.channel_begin;
      for (size_t lane = 0; lane < kGemmNr; ++lane) {
        float g[9], r[kIn * kIn];
        for (size_t tap = 0; tap < 9; ++tap) g[tap] = weight(p, tap, c, lane);
        winograd::weight_tile(g, r);
        for (size_t pos = 0; pos < kWinogradPositions; ++pos) u[pos * block.pos_stride + row * kGemmNr + lane] = r[pos];
      }
    }
  }
}

}  // namespace

void f32_winograd_f4x4_3x3_weights_panels_scalar(size_t in_channels, const float* panels, float* u,
                                                 const WinogradWeightsBlock& block) {
  weights_panels(block, u, [&](size_t p, size_t tap, size_t c, size_t lane) {
    return panels[((p * 9 + tap) * in_channels + c) * kGemmNr + lane];
  });
}

void f32_winograd_f4x4_3x3_weights_qc8w_panels_scalar(size_t in_channels, const Qc8wPanels& w, float* u,
                                                      const WinogradWeightsBlock& block) {
  const size_t pairs = qd8_panel_padded_k(9 * in_channels) / kQd8PanelKr;
  weights_panels(block, u, [&](size_t p, size_t tap, size_t c, size_t lane) {
    const size_t k = tap * in_channels + c, channel = p * kQd8PanelNr + lane;
    if (channel >= w.out_channels) return 0.f;
    const int8_t q = w.panels[((p * pairs + k / kQd8PanelKr) * kQd8PanelNr + lane) * kQd8PanelKr + k % kQd8PanelKr];
    return static_cast<float>(q) * w.scales[channel];
  });
}

void f32_winograd_f4x4_3x3_input_nhwc_scalar(const Conv2dGeometry& g, const float* image, float* v, size_t pos_stride,
                                             size_t tile_begin, size_t tile_end) {
  const size_t tiles_x = winograd_tiles_x(g), cin = g.in_channels;
  for (size_t t = tile_begin; t < tile_end; ++t) {
    const size_t y0 = (t / tiles_x) * kWinogradTile - g.pad_top, x0 = (t % tiles_x) * kWinogradTile - g.pad_left;
    for (size_t c = 0; c < cin; ++c) {
      float d[kIn * kIn], tmp[kIn * kIn], r[kIn * kIn];
      for (size_t y = 0; y < kIn; ++y) {
        const size_t iy = y0 + y;  // wraps when in padding
        for (size_t x = 0; x < kIn; ++x) {
          const size_t ix = x0 + x;
          d[y * kIn + x] = (iy < g.in_h && ix < g.in_w) ? image[(iy * g.in_w + ix) * cin + c] : 0.f;
        }
      }
      for (size_t x = 0; x < kIn; ++x) winograd::input_transform_6(d + x, kIn, tmp + x, kIn);          // B^T d
      for (size_t y = 0; y < kIn; ++y) winograd::input_transform_6(tmp + y * kIn, 1, r + y * kIn, 1);  // (B^T d) B
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) v[pos * pos_stride + t * cin + c] = r[pos];
    }
  }
}

void f32_winograd_f4x4_3x3_output_nhwc_scalar(const Conv2dGeometry& g, const WinogradOutputArgs& args,
                                              size_t tile_begin, size_t tile_end) {
  const size_t tiles_x = winograd_tiles_x(g), cout = g.out_channels;
  for (size_t t = tile_begin; t < tile_end; ++t) {
    const size_t y0 = (t / tiles_x) * kWinogradTile, x0 = (t % tiles_x) * kWinogradTile;
    const size_t rows = std::min(kWinogradTile, g.out_h - y0), cols = std::min(kWinogradTile, g.out_w - x0);
    for (size_t o = 0; o < cout; ++o) {
      float s[kWinogradPositions], tmp[kWinogradTile * kIn], y[kWinogradTile * kWinogradTile];
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) s[pos] = args.m[pos * args.pos_stride + t * cout + o];
      for (size_t x = 0; x < kIn; ++x) winograd::output_transform_6(s + x, kIn, tmp + x, kIn);  // A^T s: 4x6
      for (size_t r = 0; r < kWinogradTile; ++r)
        winograd::output_transform_6(tmp + r * kIn, 1, y + r * kWinogradTile, 1);
      for (size_t r = 0; r < rows; ++r) {
        for (size_t col = 0; col < cols; ++col) {
          const size_t at = ((y0 + r) * g.out_w + x0 + col) * cout + o;
          const float bias = args.bias ? args.bias[o] : 0.f, residual = args.residual ? args.residual[at] : 0.f;
          args.output[at] = clamp_minmax(y[r * kWinogradTile + col] + bias + residual, args.minmax);
        }
      }
    }
  }
}

}  // namespace wt
