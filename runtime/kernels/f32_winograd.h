// Winograd F(4x4, 3x3) convolution over NHWC (Lavin & Gray, 2015): a 3x3 stride-1 convolution as
// an input transform of 6x6 tiles into V[36][tiles][Cin], 36 GEMMs by the transformed weights
// U[36] (GEMM panels), and an output transform of M[36][tiles][Cout] back to 4x4 pixels, every
// transform running across channels. It does 36 multiplications per 16 outputs where direct
// convolution does 144; the fp32 rounding error it adds is a few ulps times the channel count
// (tests bound it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/activation.h"
#include "kernels/f32_conv2d.h"

namespace wt {

constexpr size_t kWinogradTile = 4;        // output pixels per tile side
constexpr size_t kWinogradPositions = 36;  // 6x6 transformed positions

// Output tiles across, down, and in all (partial tiles at the right and bottom edges count).
inline size_t winograd_tiles_x(const Conv2dGeometry& g) { return (g.out_w + kWinogradTile - 1) / kWinogradTile; }
inline size_t winograd_tiles_y(const Conv2dGeometry& g) { return (g.out_h + kWinogradTile - 1) / kWinogradTile; }
inline size_t winograd_tiles(const Conv2dGeometry& g) { return winograd_tiles_x(g) * winograd_tiles_y(g); }

// Floats from one position's plane to the next for planes of `floats` floats: an odd number of cache
// lines, so the 36 planes fall in different L1 sets. At a multiple of 4 KiB (16 tiles x 256
// channels) they share one set, and every store of the input transform missed L1: 0.21 -> 0.04 ms.
constexpr size_t winograd_pos_stride(size_t floats) {
  constexpr size_t kLineFloats = 16;
  return ((floats + kLineFloats - 1) / kLineFloats | 1) * kLineFloats;
}

// Which part of the weights' transform U a call computes, and where it goes: panels [panel_begin,
// panel_end) x input channels [channel_begin, channel_end) (of the exporter's NHWC conv panels
// P[ceil(Cout/8)][9 * Cin][8], row = (ky, kx, c)), as per-position GEMM panels
// u[pos * pos_stride + ((p - panel_begin) * channels + c - channel_begin) * 8]: the panels of the
// whole U, or of a block that stays in cache while its GEMMs use it.
struct WinogradWeightsBlock {
  size_t panel_begin, panel_end, channel_begin, channel_end, pos_stride;
};
void f32_winograd_f4x4_3x3_weights_panels_scalar(size_t in_channels, const float* panels, float* u,
                                                 const WinogradWeightsBlock& block);
void f32_winograd_f4x4_3x3_weights_panels_simd128(size_t in_channels, const float* panels, float* u,
                                                  const WinogradWeightsBlock& block);

// The same transform of int8 weights, dequantized as they are read: static_quantized_conv2d's
// panels [ceil(Cout/8)][Kp/2][8][2] (K = 9 * Cin rows (ky, kx, c), in pairs; kernels/qd8_gemm.h)
// times their per-channel scales (Cout of them; the panels' channels past Cout are zero).
struct Qc8wPanels {
  const int8_t* panels;
  const float* scales;
  size_t out_channels;
};
void f32_winograd_f4x4_3x3_weights_qc8w_panels_scalar(size_t in_channels, const Qc8wPanels& w, float* u,
                                                      const WinogradWeightsBlock& block);
void f32_winograd_f4x4_3x3_weights_qc8w_panels_simd128(size_t in_channels, const Qc8wPanels& w, float* u,
                                                       const WinogradWeightsBlock& block);

// V[pos][tile][c] (v[pos * pos_stride + tile * Cin + c]) for tiles [tile_begin, tile_end) of one
// NHWC image.
void f32_winograd_f4x4_3x3_input_nhwc_scalar(const Conv2dGeometry& g, const float* image, float* v, size_t pos_stride,
                                             size_t tile_begin, size_t tile_end);
void f32_winograd_f4x4_3x3_input_nhwc_simd128(const Conv2dGeometry& g, const float* image, float* v, size_t pos_stride,
                                              size_t tile_begin, size_t tile_end);

// The output pixels of tiles [tile_begin, tile_end) from M[pos][tile][o] (m[pos * pos_stride +
// tile * Cout + o]): clamp(A^T M A + bias + residual); bias and residual may be null, residual may be the output itself.
struct WinogradOutputArgs {
  const float* m;
  size_t pos_stride;
  const float* bias;
  const float* residual;
  F32MinMax minmax;
  float* output;
};
void f32_winograd_f4x4_3x3_output_nhwc_scalar(const Conv2dGeometry& g, const WinogradOutputArgs& args,
                                              size_t tile_begin, size_t tile_end);
void f32_winograd_f4x4_3x3_output_nhwc_simd128(const Conv2dGeometry& g, const WinogradOutputArgs& args,
                                               size_t tile_begin, size_t tile_end);

}  // namespace wt
