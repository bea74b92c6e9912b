#include <algorithm>

#include "kernels/f32_dwconv2d.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

bool f32_dwconv2d_simd128_supports(const Conv2dGeometry& g) {
  return g.groups == g.in_channels && g.out_channels == g.in_channels && (g.stride_w == 1 || g.stride_w == 2);
}

namespace {

// One output pixel, all taps bounds-checked (the borders).
float dw_pixel(const Conv2dGeometry& g, const float* in, const float* w, float bias, size_t oy, size_t ox) {
  float acc = bias;
  for (size_t ky = 0; ky < g.kernel_h; ++ky) {
    const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
    if (iy >= g.in_h) continue;
    for (size_t kx = 0; kx < g.kernel_w; ++kx) {
      const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
      if (ix < g.in_w) acc += in[iy * g.in_w + ix] * w[ky * g.kernel_w + kx];
    }
  }
  return acc;
}

// The interior tiles of one output row for a K x K kernel, stride S, dilation 1: taps fully
// unrolled, eight outputs per step on two independent accumulators (the adds of one chain
// would otherwise wait on each other), then four. rows[ky] is the input row of tap row ky
// shifted to output column 0, or null in vertical padding. With `tail`, the last 1-3 columns
// run as one more tile through a copy (the rows must then be readable 4 tiles' worth past the
// end: padded planes). Returns the first column not done.
template <size_t K, size_t S>
size_t dw_row_tiles(const float* const* rows, const float* w, float bias, v128_t lo, v128_t hi, float* out,
                    size_t ox, size_t ox_end, bool tail) {
  v128_t weights[K * K];  // broadcast once per row, not once per tile
  for (size_t t = 0; t < K * K; ++t) weights[t] = wasm_v128_load32_splat(w + t);
  auto taps = [&](size_t x, v128_t acc) {
    for (size_t ky = 0; ky < K; ++ky) {
      if (!rows[ky]) continue;
      const float* src = rows[ky] + x * S;
      for (size_t kx = 0; kx < K; ++kx) acc = wt_f32x4_mul_add(weights[ky * K + kx], wt_v128_load4_stride(src + kx, S), acc);
    }
    return acc;
  };
  const v128_t b = wasm_f32x4_splat(bias);
  for (; ox + 8 <= ox_end; ox += 8) {
    const v128_t acc0 = taps(ox, b), acc1 = taps(ox + 4, b);
    wasm_v128_store(out + ox, wasm_f32x4_pmin(wasm_f32x4_pmax(acc0, lo), hi));
    wasm_v128_store(out + ox + 4, wasm_f32x4_pmin(wasm_f32x4_pmax(acc1, lo), hi));
  }
  for (; ox + 4 <= ox_end; ox += 4) wasm_v128_store(out + ox, wasm_f32x4_pmin(wasm_f32x4_pmax(taps(ox, b), lo), hi));
  if (tail && ox < ox_end) {
    float last[4];
    wasm_v128_store(last, wasm_f32x4_pmin(wasm_f32x4_pmax(taps(ox, b), lo), hi));
    std::copy(last, last + (ox_end - ox), out + ox);
    ox = ox_end;
  }
  return ox;
}

using DwRowTilesFn = size_t (*)(const float* const*, const float*, float, v128_t, v128_t, float*, size_t, size_t,
                                bool);

// The unrolled row kernel for the common depthwise shapes (3x3 and 5x5, stride 1 or 2), or null.
DwRowTilesFn specialized_row_tiles(const Conv2dGeometry& g) {
  if (g.kernel_h != g.kernel_w || g.dilation_h != 1 || g.dilation_w != 1 || g.stride_h != g.stride_w) return nullptr;
  const size_t k = g.kernel_w, s = g.stride_w;
  if (k == 3) return s == 1 ? dw_row_tiles<3, 1> : dw_row_tiles<3, 2>;
  if (k == 5) return s == 1 ? dw_row_tiles<5, 1> : dw_row_tiles<5, 2>;
  return nullptr;
}

// A copy of one input plane inside its zero padding, wide enough for whole tiles: every tile of
// the plane then runs without bounds checks. Small planes (up to kMaxPaddedOutput columns) had
// almost no interior; on larger ones the copy costs more than the borders it saves (measured).
constexpr size_t kMaxPaddedOutput = 28;

struct PaddedPlane {
  size_t width, height;

  explicit PaddedPlane(const Conv2dGeometry& g)
      : width(((g.out_w + 3) / 4 * 4 - 1) * g.stride_w + g.kernel_w + 4),
        height((g.out_h - 1) * g.stride_h + g.kernel_h) {}

  size_t floats() const { return width * height; }

  void fill(const Conv2dGeometry& g, const float* in, float* padded) const {
    for (size_t y = 0; y < height; ++y) {
      float* row = padded + y * width;
      const size_t iy = y - g.pad_top;  // wraps when in padding
      if (iy >= g.in_h) {
        std::fill(row, row + width, 0.f);
        continue;
      }
      const size_t cols = std::min(g.in_w, width - g.pad_left);
      std::fill(row, row + g.pad_left, 0.f);
      std::copy(in + iy * g.in_w, in + iy * g.in_w + cols, row + g.pad_left);
      std::fill(row + g.pad_left + cols, row + width, 0.f);
    }
  }
};

}  // namespace

void f32_dwconv2d_nchw_simd128(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                               F32MinMax minmax, float* output, size_t plane_begin, size_t plane_end, float* scratch,
                               size_t scratch_floats) {
  const size_t s = g.stride_w;
  // A vector tile at output column ox reads input columns ox*s - pad_left + kx*dilation + [0, 4s):
  // it needs no bounds checks when ox*s >= pad_left (ox >= x_lo) and its last read is inside the
  // row, i.e. ox <= tile_max = (in_w + pad_left - (kw-1)*dilation - 4s) / s.
  const size_t x_lo = (g.pad_left + s - 1) / s;
  const long room = static_cast<long>(g.in_w + g.pad_left) - static_cast<long>((g.kernel_w - 1) * g.dilation_w + 4 * s);
  const bool tiles = room >= 0;
  const size_t tile_max = tiles ? static_cast<size_t>(room) / s : 0;
  const v128_t lo = wasm_f32x4_splat(minmax.min), hi = wasm_f32x4_splat(minmax.max);
  const DwRowTilesFn row_tiles = specialized_row_tiles(g);
  const PaddedPlane padded(g);
  const bool pad = row_tiles && g.out_w <= kMaxPaddedOutput && padded.floats() <= scratch_floats;
  for (size_t plane = plane_begin; plane < plane_end; ++plane) {
    const size_t c = plane % g.out_channels;
    const float* in = input + plane * g.in_h * g.in_w;
    const float* w = weight + c * g.kernel_h * g.kernel_w;
    const float b = bias ? bias[c] : 0.f;
    float* out = output + plane * g.out_h * g.out_w;
    if (pad) {
      padded.fill(g, in, scratch);
      for (size_t oy = 0; oy < g.out_h; ++oy) {
        const float* rows[5];  // specialized kernels are at most 5x5
        for (size_t ky = 0; ky < g.kernel_h; ++ky) rows[ky] = scratch + (oy * g.stride_h + ky) * padded.width;
        row_tiles(rows, w, b, lo, hi, out + oy * g.out_w, 0, g.out_w, true);
      }
      continue;
    }
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      float* row = out + oy * g.out_w;
      size_t ox = 0;
      for (; ox < g.out_w && ox < x_lo; ++ox) row[ox] = clamp_minmax(dw_pixel(g, in, w, b, oy, ox), minmax);
      if (row_tiles && tiles && ox <= tile_max) {
        const float* rows[5];  // specialized kernels are at most 5x5
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const size_t iy = oy * g.stride_h + ky - g.pad_top;  // wraps when in padding
          rows[ky] = iy < g.in_h ? in + iy * g.in_w - g.pad_left : nullptr;
        }
        // Tiles starting at or before tile_max read inside the row: end the range 4 columns later.
        ox = row_tiles(rows, w, b, lo, hi, row, ox, std::min(g.out_w, tile_max + 4), false);
      }
      for (; tiles && ox + 4 <= g.out_w && ox <= tile_max; ox += 4) {
        v128_t acc = wasm_f32x4_splat(b);
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;
          if (iy >= g.in_h) continue;
          const float* src = in + iy * g.in_w + ox * s - g.pad_left;
          for (size_t kx = 0; kx < g.kernel_w; ++kx) {
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(w[ky * g.kernel_w + kx]),
                                                     wt_v128_load4_stride(src + kx * g.dilation_w, s)));
          }
        }
        wasm_v128_store(row + ox, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, lo), hi));
      }
      for (; ox < g.out_w; ++ox) row[ox] = clamp_minmax(dw_pixel(g, in, w, b, oy, ox), minmax);
    }
  }
}

#else

bool f32_dwconv2d_simd128_supports(const Conv2dGeometry&) { return false; }

void f32_dwconv2d_nchw_simd128(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                               F32MinMax minmax, float* output, size_t plane_begin, size_t plane_end, float*, size_t) {
  f32_conv2d_nchw_scalar(g, input, weight, bias, minmax, output, plane_begin, plane_end);
}

#endif

}  // namespace wt
