#include <algorithm>

#include "kernels/f32_gemm.h"
#include "kernels/f32_winograd.h"
#include "kernels/qd8_gemm.h"
#include "kernels/simd128.h"
#include "kernels/winograd_f4x4_3x3_transforms.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

using winograd::kIn;

// Memory access for the two value types the transforms run over: four channels (F32x4), or one
// (float) for the channels past the last multiple of four.
inline F32x4 load(const F32x4*, const float* p) { return {wasm_v128_load(p)}; }
inline float load(const float*, const float* p) { return *p; }
inline void store(float* p, F32x4 v) { wasm_v128_store(p, v.v); }
inline void store(float* p, float v) { *p = v; }
inline F32x4 zero(const F32x4*) { return {wasm_f32x4_splat(0.f)}; }
inline float zero(const float*) { return 0.f; }
inline F32x4 clamp(F32x4 v, F32MinMax mm) {
  return {wasm_f32x4_pmin(wasm_f32x4_pmax(v.v, wasm_f32x4_splat(mm.min)), wasm_f32x4_splat(mm.max))};
}
inline float clamp(float v, F32MinMax mm) { return clamp_minmax(v, mm); }

// Where each of a tile's 6x6 input pixels starts (channel 0), null in the padding.
void tile_pixels(const Conv2dGeometry& g, const float* image, size_t t, const float** pixels) {
  const size_t tiles_x = winograd_tiles_x(g);
  const size_t y0 = (t / tiles_x) * kWinogradTile - g.pad_top, x0 = (t % tiles_x) * kWinogradTile - g.pad_left;
  for (size_t y = 0; y < kIn; ++y) {
    const size_t iy = y0 + y;  // wraps when in padding
    for (size_t x = 0; x < kIn; ++x) {
      const size_t ix = x0 + x;
      pixels[y * kIn + x] = iy < g.in_h && ix < g.in_w ? image + (iy * g.in_w + ix) * g.in_channels : nullptr;
    }
  }
}

// B^T d B of channel(s) c of tile t into V.
template <typename T>
void input_channels(const float* const* pixels, size_t c, size_t cin, size_t t, size_t pos_stride, float* v) {
  T d[kIn * kIn], tmp[kIn * kIn], r[kIn * kIn];
  for (size_t i = 0; i < kIn * kIn; ++i) d[i] = pixels[i] ? load(d, pixels[i] + c) : zero(d);
  for (size_t x = 0; x < kIn; ++x) winograd::input_transform_6(d + x, kIn, tmp + x, kIn);
  for (size_t y = 0; y < kIn; ++y) winograd::input_transform_6(tmp + y * kIn, 1, r + y * kIn, 1);
  for (size_t pos = 0; pos < kWinogradPositions; ++pos) store(v + pos * pos_stride + t * cin + c, r[pos]);
}

struct OutputTile {
  size_t t, y0, x0, rows, cols;
};

// A^T M A + bias + residual of channel(s) o of one tile, clamped, into its output pixels.
template <typename T>
void output_channels(const Conv2dGeometry& g, const WinogradOutputArgs& args, const OutputTile& tile, size_t o) {
  const size_t cout = g.out_channels;
  T s[kWinogradPositions], tmp[kWinogradTile * kIn], y[kWinogradTile * kWinogradTile];
  for (size_t pos = 0; pos < kWinogradPositions; ++pos)
    s[pos] = load(s, args.m + pos * args.pos_stride + tile.t * cout + o);
  for (size_t x = 0; x < kIn; ++x) winograd::output_transform_6(s + x, kIn, tmp + x, kIn);
  for (size_t r = 0; r < kWinogradTile; ++r) winograd::output_transform_6(tmp + r * kIn, 1, y + r * kWinogradTile, 1);
  const T b = args.bias ? load(s, args.bias + o) : zero(s);
  for (size_t r = 0; r < tile.rows; ++r) {
    for (size_t col = 0; col < tile.cols; ++col) {
      const size_t at = ((tile.y0 + r) * g.out_w + tile.x0 + col) * cout + o;
      T sum = y[r * kWinogradTile + col] + b;
      if (args.residual) sum = sum + load(s, args.residual + at);
      store(args.output + at, clamp(sum, args.minmax));
    }
  }
}

}  // namespace

namespace {

// The transform of panels [panel_begin, panel_end), four lanes of (panel p, tap, channel c) read by
// weights(p, tap, c, half) (lanes 0-3, then 4-7).
template <typename Weights>
void weights_panels(const WinogradWeightsBlock& block, float* u, Weights weights) {
  // Blocks of channels: one position's rows of a block are written as one run. Written channel by
  // channel, the 36 positions are 36 streams a multiple of 4 KiB apart that evict each other from
  // L1 (256 channels: 3.1 ms where the NCHW transform takes 0.35).
  constexpr size_t kBlock = 16;
  F32x4 transformed[kBlock][kWinogradPositions][2];
  const size_t channels = block.channel_end - block.channel_begin;
  for (size_t p = block.panel_begin; p < block.panel_end; ++p) {
    for (size_t c0 = block.channel_begin; c0 < block.channel_end; c0 += kBlock) {
      const size_t count = std::min(kBlock, block.channel_end - c0);
      for (size_t c = 0; c < count; ++c) {
        for (size_t half = 0; half < 2; ++half) {  // lanes 0-3, then 4-7 of the panel
          F32x4 g[9], r[kIn * kIn];
          for (size_t tap = 0; tap < 9; ++tap) g[tap] = weights(p, tap, c0 + c, half);
          winograd::weight_tile(g, r);
          for (size_t pos = 0; pos < kWinogradPositions; ++pos) transformed[c][pos][half] = r[pos];
        }
      }
      const size_t first_row = (p - block.panel_begin) * channels + c0 - block.channel_begin;
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) {
        float* row = u + pos * block.pos_stride + first_row * kGemmNr;
        for (size_t c = 0; c < count; ++c) {
          store(row + c * kGemmNr, transformed[c][pos][0]);
          store(row + c * kGemmNr + 4, transformed[c][pos][1]);
        }
      }
    }
  }
}

}  // namespace

void f32_winograd_f4x4_3x3_weights_panels_simd128(size_t in_channels, const float* panels, float* u,
                                                  const WinogradWeightsBlock& block) {
  weights_panels(block, u, [&](size_t p, size_t tap, size_t c, size_t half) {
    return F32x4{wasm_v128_load(panels + ((p * 9 + tap) * in_channels + c) * kGemmNr + 4 * half)};
  });
}

void f32_winograd_f4x4_3x3_weights_qc8w_panels_simd128(size_t in_channels, const Qc8wPanels& w, float* u,
                                                       const WinogradWeightsBlock& block) {
  const size_t pairs = qd8_panel_padded_k(9 * in_channels) / kQd8PanelKr;
  for (size_t p = block.panel_begin; p < block.panel_end; ++p) {
    // The panel's eight scales, zero past the last channel (whose weights are zero too).
    float scales[kQd8PanelNr] = {};
    for (size_t lane = 0; lane < kQd8PanelNr && p * kQd8PanelNr + lane < w.out_channels; ++lane)
      scales[lane] = w.scales[p * kQd8PanelNr + lane];
    const v128_t scale[2] = {wasm_v128_load(scales), wasm_v128_load(scales + 4)};
    const WinogradWeightsBlock panel{p, p + 1, block.channel_begin, block.channel_end, block.pos_stride};
    float* panel_u = u + (p - block.panel_begin) * (block.channel_end - block.channel_begin) * kGemmNr;
    weights_panels(panel, panel_u, [&](size_t, size_t tap, size_t c, size_t half) {
      // Four channels' weights of one k, every other byte of the panel row.
      const size_t k = tap * in_channels + c;
      const int8_t* q = w.panels + ((p * pairs + k / kQd8PanelKr) * kQd8PanelNr + 4 * half) * kQd8PanelKr +
                        k % kQd8PanelKr;
      const v128_t ints = wasm_i32x4_make(q[0], q[2], q[4], q[6]);
      return F32x4{wasm_f32x4_mul(wasm_f32x4_convert_i32x4(ints), scale[half])};
    });
  }
}

void f32_winograd_f4x4_3x3_input_nhwc_simd128(const Conv2dGeometry& g, const float* image, float* v, size_t pos_stride,
                                              size_t tile_begin, size_t tile_end) {
  const size_t cin = g.in_channels;
  for (size_t t = tile_begin; t < tile_end; ++t) {
    const float* pixels[kIn * kIn];
    tile_pixels(g, image, t, pixels);
    size_t c = 0;
    for (; c + 4 <= cin; c += 4) input_channels<F32x4>(pixels, c, cin, t, pos_stride, v);
    for (; c < cin; ++c) input_channels<float>(pixels, c, cin, t, pos_stride, v);
  }
}

void f32_winograd_f4x4_3x3_output_nhwc_simd128(const Conv2dGeometry& g, const WinogradOutputArgs& args,
                                               size_t tile_begin, size_t tile_end) {
  const size_t tiles_x = winograd_tiles_x(g), cout = g.out_channels;
  for (size_t t = tile_begin; t < tile_end; ++t) {
    const size_t y0 = (t / tiles_x) * kWinogradTile, x0 = (t % tiles_x) * kWinogradTile;
    const OutputTile tile{t, y0, x0, std::min(kWinogradTile, g.out_h - y0), std::min(kWinogradTile, g.out_w - x0)};
    size_t o = 0;
    for (; o + 4 <= cout; o += 4) output_channels<F32x4>(g, args, tile, o);
    for (; o < cout; ++o) output_channels<float>(g, args, tile, o);
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
