#include <algorithm>

#include "kernels/f32_winograd.h"
#include "kernels/simd128.h"
#include "kernels/winograd_f4x4_3x3_transforms.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

// Lanes j of the result are column c of row j: [v0[c], v1[c], v2[c], v3[c]] for c = 0..3.
inline void transpose_4x4(v128_t v0, v128_t v1, v128_t v2, v128_t v3, F32x4* out) {
  const v128_t t0 = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
  out[0] = {wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5)};
  out[1] = {wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7)};
  out[2] = {wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5)};
  out[3] = {wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7)};
}

// The first `lanes` lanes of v at p (the rest of a tile row's last group would reach the next
// channel, which another thread may be writing).
inline void store_lanes(float* p, v128_t v, size_t lanes) {
  if (lanes == 4) {
    wasm_v128_store(p, v);
    return;
  }
  float tmp[4];
  wasm_v128_store(tmp, v);
  std::copy(tmp, tmp + lanes, p);
}

inline v128_t load_lanes(const float* p, size_t lanes) {
  if (lanes == 4) return wasm_v128_load(p);
  float tmp[4] = {};
  std::copy(p, p + lanes, tmp);
  return wasm_v128_load(tmp);
}

// Four horizontally adjacent tiles are one group: lane j of every vector is tile j's. A group's
// 6 input rows span 4 * 4 + 2 columns; a strip of up to kStripGroups groups is copied with its
// zero padding first, so the transform itself has no bounds checks.
constexpr size_t kGroupTiles = 4;
constexpr size_t kStripGroups = 8;
constexpr size_t kStripWidth = kStripGroups * kGroupTiles * kWinogradTile + 4;  // + the last group's 5th vector

// Rows y0.. and columns x0.. of a plane (either may start in the padding), zero outside it.
void copy_padded_strip(const Conv2dGeometry& g, const float* plane, ptrdiff_t y0, ptrdiff_t x0, float* strip) {
  const ptrdiff_t in_w = static_cast<ptrdiff_t>(g.in_w), in_h = static_cast<ptrdiff_t>(g.in_h);
  const ptrdiff_t inside_begin = std::clamp<ptrdiff_t>(-x0, 0, kStripWidth);
  const ptrdiff_t inside_end = std::clamp<ptrdiff_t>(in_w - x0, inside_begin, kStripWidth);
  for (ptrdiff_t r = 0; r < static_cast<ptrdiff_t>(winograd::kIn); ++r) {
    float* row = strip + r * kStripWidth;
    const ptrdiff_t iy = y0 + r;
    if (iy < 0 || iy >= in_h) {
      std::fill(row, row + kStripWidth, 0.f);
      continue;
    }
    std::fill(row, row + inside_begin, 0.f);
    std::copy(plane + iy * in_w + x0 + inside_begin, plane + iy * in_w + x0 + inside_end, row + inside_begin);
    std::fill(row + inside_end, row + kStripWidth, 0.f);
  }
}

// B^T d B of one group from its strip columns: 36 vectors, position-major.
void input_group(const float* strip, F32x4* r) {
  using winograd::kIn;
  F32x4 rows[kIn * kIn];
  for (size_t y = 0; y < kIn; ++y) {
    const float* p = strip + y * kStripWidth;
    const v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 4), v2 = wasm_v128_load(p + 8);
    const v128_t v3 = wasm_v128_load(p + 12), v4 = wasm_v128_load(p + 16);
    F32x4 d[kIn];
    transpose_4x4(v0, v1, v2, v3, d);                     // columns 0-3 of the four tiles
    d[4] = {wasm_i32x4_shuffle(d[0].v, v4, 1, 2, 3, 4)};  // column 4 = the next tile's column 0
    d[5] = {wasm_i32x4_shuffle(d[1].v, v4, 1, 2, 3, 5)};
    winograd::input_transform_6(d, 1, rows + y * kIn, 1);  // d B
  }
  for (size_t x = 0; x < kIn; ++x) winograd::input_transform_6(rows + x, kIn, r + x, kIn);  // B^T (d B)
}

}  // namespace

void f32_winograd_f4x4_3x3_input_nchw_simd128(const Conv2dGeometry& g, const float* input, float* v,
                                              size_t channel_begin, size_t channel_end) {
  const size_t tiles_x = winograd_tiles_x(g), tiles_y = winograd_tiles_y(g);
  const size_t tiles = tiles_x * tiles_y, pos_stride = g.in_channels * tiles;
  const size_t strip_tiles = kStripGroups * kGroupTiles;
  float strip[winograd::kIn * kStripWidth];
  for (size_t c = channel_begin; c < channel_end; ++c) {
    const float* plane = input + c * g.in_h * g.in_w;
    for (size_t ty = 0; ty < tiles_y; ++ty) {
      const ptrdiff_t y0 = static_cast<ptrdiff_t>(ty * kWinogradTile) - static_cast<ptrdiff_t>(g.pad_top);
      for (size_t tx0 = 0; tx0 < tiles_x; tx0 += strip_tiles) {
        const ptrdiff_t x0 = static_cast<ptrdiff_t>(tx0 * kWinogradTile) - static_cast<ptrdiff_t>(g.pad_left);
        copy_padded_strip(g, plane, y0, x0, strip);
        for (size_t tx = tx0; tx < std::min(tiles_x, tx0 + strip_tiles); tx += kGroupTiles) {
          F32x4 r[kWinogradPositions];
          input_group(strip + (tx - tx0) * kWinogradTile, r);
          float* out = v + c * tiles + ty * tiles_x + tx;
          const size_t lanes = std::min(kGroupTiles, tiles_x - tx);
          for (size_t pos = 0; pos < kWinogradPositions; ++pos) store_lanes(out + pos * pos_stride, r[pos].v, lanes);
        }
      }
    }
  }
}

void f32_winograd_f4x4_3x3_output_nchw_simd128(const Conv2dGeometry& g, const float* m, const float* bias,
                                               const float* residual, F32MinMax minmax, float* output,
                                               size_t channel_begin, size_t channel_end) {
  using winograd::kIn;
  const size_t tiles_x = winograd_tiles_x(g), tiles_y = winograd_tiles_y(g);
  const size_t tiles = tiles_x * tiles_y, pos_stride = g.out_channels * tiles;
  const v128_t lo = wasm_f32x4_splat(minmax.min), hi = wasm_f32x4_splat(minmax.max);
  for (size_t o = channel_begin; o < channel_end; ++o) {
    float* plane = output + o * g.out_h * g.out_w;
    const float* residual_plane = residual ? residual + o * g.out_h * g.out_w : nullptr;
    const v128_t b = wasm_f32x4_splat(bias ? bias[o] : 0.f);
    for (size_t ty = 0; ty < tiles_y; ++ty) {
      for (size_t tx = 0; tx < tiles_x; tx += kGroupTiles) {
        const size_t lanes = std::min(kGroupTiles, tiles_x - tx);
        const float* in = m + o * tiles + ty * tiles_x + tx;
        F32x4 s[kWinogradPositions], cols[kWinogradTile * kIn], y[kWinogradTile * kWinogradTile];
        for (size_t pos = 0; pos < kWinogradPositions; ++pos) s[pos] = {load_lanes(in + pos * pos_stride, lanes)};
        for (size_t x = 0; x < kIn; ++x) winograd::output_transform_6(s + x, kIn, cols + x, kIn);  // A^T s: 4x6
        for (size_t r = 0; r < kWinogradTile; ++r)
          winograd::output_transform_6(cols + r * kIn, 1, y + r * kWinogradTile, 1);
        const size_t y0 = ty * kWinogradTile, rows = std::min(kWinogradTile, g.out_h - y0);
        for (size_t r = 0; r < rows; ++r) {
          F32x4 tile_rows[kGroupTiles];  // tile j's 4 pixels of this row
          transpose_4x4(y[r * kWinogradTile].v, y[r * kWinogradTile + 1].v, y[r * kWinogradTile + 2].v,
                        y[r * kWinogradTile + 3].v, tile_rows);
          const size_t row = (y0 + r) * g.out_w;
          for (size_t j = 0; j < lanes; ++j) {
            const size_t x0 = (tx + j) * kWinogradTile, width = std::min(kWinogradTile, g.out_w - x0);
            v128_t v = wasm_f32x4_add(tile_rows[j].v, b);
            if (residual_plane) v = wasm_f32x4_add(v, load_lanes(residual_plane + row + x0, width));
            store_lanes(plane + row + x0, wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi), width);
          }
        }
      }
    }
  }
}

void f32_winograd_f4x4_3x3_weights_simd128(size_t in_channels, const float* weight, float* u, size_t o_begin,
                                           size_t o_end) {
  const size_t vector_channels = in_channels / 4 * 4;
  for (size_t o = o_begin; o < o_end; ++o) {
    float* block = u + o * kWinogradPositions * in_channels;
    const float* w = weight + o * in_channels * 9;
    for (size_t c = 0; c < vector_channels; c += 4) {
      // Tap t of channels c..c+3 (their 36 weights are contiguous) in one vector.
      F32x4 g[9], r[kWinogradPositions];
      const float* wc = w + c * 9;
      for (size_t t = 0; t < 9; ++t) g[t] = {wasm_f32x4_make(wc[t], wc[9 + t], wc[18 + t], wc[27 + t])};
      winograd::weight_tile(g, r);
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) wasm_v128_store(block + pos * in_channels + c, r[pos].v);
    }
    for (size_t c = vector_channels; c < in_channels; ++c) {
      float r[kWinogradPositions];
      winograd::weight_tile(w + c * 9, r);
      for (size_t pos = 0; pos < kWinogradPositions; ++pos) block[pos * in_channels + c] = r[pos];
    }
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
