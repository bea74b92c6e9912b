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

// The taps of a K x K kernel, stride S, dilation 1, broadcast once per plane. rows[ky] is the
// input row of tap row ky shifted to output column 0, or null in vertical padding.
template <size_t K, size_t S>
struct DwTaps {
  // 3x3: 9 weights + 4 accumulators fit V8's 15 xmm registers; 5x5's 25 weights spill anyway.
  // One chain of K * K multiply-adds per vector is latency-bound: 2 vectors ran at half the FMA rate.
  static constexpr size_t kVectors = K == 3 ? 4 : 2;

  v128_t weights[K * K];
  v128_t bias, lo, hi;

  DwTaps(const float* w, float b, F32MinMax minmax)
      : bias(wasm_f32x4_splat(b)), lo(wasm_f32x4_splat(minmax.min)), hi(wasm_f32x4_splat(minmax.max)) {
    for (size_t t = 0; t < K * K; ++t) weights[t] = wasm_v128_load32_splat(w + t);
  }

  // V vectors of outputs from column x, clamped, stored to dst.
  template <size_t V>
  void tiles(const float* const* rows, size_t x, float* dst) const {
    v128_t acc[V];
    for (size_t v = 0; v < V; ++v) acc[v] = bias;
    for (size_t ky = 0; ky < K; ++ky) {
      if (!rows[ky]) continue;
      const float* src = rows[ky] + x * S;
      for (size_t kx = 0; kx < K; ++kx) {
        for (size_t v = 0; v < V; ++v) {
          acc[v] = wt_f32x4_mul_add(weights[ky * K + kx], wt_v128_load4_stride(src + 4 * v * S + kx, S), acc[v]);
        }
      }
    }
    for (size_t v = 0; v < V; ++v) wasm_v128_store(dst + 4 * v, wasm_f32x4_pmin(wasm_f32x4_pmax(acc[v], lo), hi));
  }

  // Columns [ox, ox_end) of one output row in vector tiles, kVectors at a time, then one. With
  // `tail`, the last 1-3 columns run as one more tile through a copy (the rows must then be
  // readable a tile past the end: padded planes). Returns the first column not done.
  size_t row(const float* const* rows, float* out, size_t ox, size_t ox_end, bool tail) const {
    for (; ox + 4 * kVectors <= ox_end; ox += 4 * kVectors) tiles<kVectors>(rows, ox, out + ox);
    for (; ox + 4 <= ox_end; ox += 4) tiles<1>(rows, ox, out + ox);
    if (tail && ox < ox_end) {
      float last[4];
      tiles<1>(rows, ox, last);
      std::copy(last, last + (ox_end - ox), out + ox);
      ox = ox_end;
    }
    return ox;
  }
};

// The interior of one output row of an unpadded plane (see DwTaps::row).
template <size_t K, size_t S>
size_t dw_row_tiles(const float* const* rows, const float* w, float bias, F32MinMax minmax, float* out, size_t ox,
                    size_t ox_end) {
  return DwTaps<K, S>(w, bias, minmax).row(rows, out, ox, ox_end, false);
}

// A whole plane from its zero-padded copy (PaddedPlane), rows `width` floats apart.
template <size_t K, size_t S>
void dw_plane_padded(const float* padded, size_t width, const float* w, float bias, F32MinMax minmax, float* out,
                     size_t out_h, size_t out_w) {
  const DwTaps<K, S> taps(w, bias, minmax);
  for (size_t oy = 0; oy < out_h; ++oy) {
    const float* rows[K];
    for (size_t ky = 0; ky < K; ++ky) rows[ky] = padded + (oy * S + ky) * width;
    taps.row(rows, out + oy * out_w, 0, out_w, true);
  }
}

using DwRowTilesFn = size_t (*)(const float* const*, const float*, float, F32MinMax, float*, size_t, size_t);
using DwPlaneFn = void (*)(const float*, size_t, const float*, float, F32MinMax, float*, size_t, size_t);

// The unrolled kernels for the common depthwise shapes (3x3 and 5x5, stride 1 or 2), or nulls.
struct DwKernels {
  DwRowTilesFn row = nullptr;
  DwPlaneFn padded_plane = nullptr;
};

template <size_t K, size_t S>
DwKernels dw_kernels() {
  return {dw_row_tiles<K, S>, dw_plane_padded<K, S>};
}

DwKernels specialized_kernels(const Conv2dGeometry& g) {
  if (g.kernel_h != g.kernel_w || g.dilation_h != 1 || g.dilation_w != 1 || g.stride_h != g.stride_w) return {};
  const size_t k = g.kernel_w, s = g.stride_w;
  if (k == 3) return s == 1 ? dw_kernels<3, 1>() : dw_kernels<3, 2>();
  if (k == 5) return s == 1 ? dw_kernels<5, 1>() : dw_kernels<5, 2>();
  return {};
}

// A copy of one input plane inside its zero padding, wide enough for whole tiles: every tile of
// the plane then runs without bounds checks (the scalar border pixels of the unpadded path cost
// as much as the vector interior on stride-2 planes). The padding is zeroed once per call and
// only the interior is copied per plane.
struct PaddedPlane {
  size_t width, height;

  explicit PaddedPlane(const Conv2dGeometry& g)
      : width(((g.out_w + 3) / 4 * 4 - 1) * g.stride_w + g.kernel_w + 4),
        height((g.out_h - 1) * g.stride_h + g.kernel_h) {}

  size_t floats() const { return width * height; }

  void copy_interior(const Conv2dGeometry& g, const float* in, float* padded) const {
    const size_t cols = std::min(g.in_w, width - g.pad_left);
    for (size_t y = g.pad_top; y < height && y - g.pad_top < g.in_h; ++y) {
      // Vector copies: std::copy's memcpy call per row cost a third of a stride-2 112x112 layer.
      const float* src = in + (y - g.pad_top) * g.in_w;
      float* dst = padded + y * width + g.pad_left;
      size_t x = 0;
      for (; x + 4 <= cols; x += 4) wasm_v128_store(dst + x, wasm_v128_load(src + x));
      for (; x < cols; ++x) dst[x] = src[x];
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
  const DwKernels kernels = specialized_kernels(g);
  const PaddedPlane padded(g);
  const bool pad = kernels.padded_plane && padded.floats() <= scratch_floats;
  if (pad) std::fill(scratch, scratch + padded.floats(), 0.f);
  for (size_t plane = plane_begin; plane < plane_end; ++plane) {
    const size_t c = plane % g.out_channels;
    const float* in = input + plane * g.in_h * g.in_w;
    const float* w = weight + c * g.kernel_h * g.kernel_w;
    const float b = bias ? bias[c] : 0.f;
    float* out = output + plane * g.out_h * g.out_w;
    if (pad) {
      padded.copy_interior(g, in, scratch);
      kernels.padded_plane(scratch, padded.width, w, b, minmax, out, g.out_h, g.out_w);
      continue;
    }
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      float* row = out + oy * g.out_w;
      size_t ox = 0;
      for (; ox < g.out_w && ox < x_lo; ++ox) row[ox] = clamp_minmax(dw_pixel(g, in, w, b, oy, ox), minmax);
      if (kernels.row && tiles && ox <= tile_max) {
        const float* rows[5];  // specialized kernels are at most 5x5
        for (size_t ky = 0; ky < g.kernel_h; ++ky) {
          const size_t iy = oy * g.stride_h + ky - g.pad_top;  // wraps when in padding
          rows[ky] = iy < g.in_h ? in + iy * g.in_w - g.pad_left : nullptr;
        }
        // Tiles starting at or before tile_max read inside the row: end the range 4 columns later.
        ox = kernels.row(rows, w, b, minmax, row, ox, std::min(g.out_w, tile_max + 4));
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

#endif  // WT_HAVE_SIMD128

}  // namespace wt
