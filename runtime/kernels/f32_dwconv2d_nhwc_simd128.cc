#include <algorithm>

#include "kernels/f32_dwconv2d.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

// The largest kernel whose taps live on the stack (11x11); larger ones take the scalar kernel.
constexpr size_t kMaxTaps = 121;

// Each tap of output pixel (oy, ox): its input pixel's first channel, or `zeros` in the padding.
void tap_pointers(const Conv2dGeometry& g, const float* image, const float* zeros, size_t oy, size_t ox,
                  const float** taps) {
  for (size_t ky = 0; ky < g.kernel_h; ++ky) {
    const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
    for (size_t kx = 0; kx < g.kernel_w; ++kx) {
      const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
      *taps++ = iy < g.in_h && ix < g.in_w ? image + (iy * g.in_w + ix) * g.in_channels : zeros;
    }
  }
}

struct DwOutput {
  const float* weight;  // [taps][channels]
  const float* bias;    // [channels] (zeros when the op has none)
  size_t channels;
  v128_t lo, hi;
};

// The clamp bounds are read from memory here: kept in registers beside a 3x3 kernel's 9 taps and
// two accumulators they made V8 spill in the row blocks' loop (Chromium, relaxed SIMD).
inline void store_clamped(float* p, v128_t acc, const DwOutput& o) {
  const volatile v128_t* bounds = &o.lo;
  wasm_v128_store(p, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, bounds[0]), bounds[1]));
}

// V vectors of channels from c: the sum over taps, clamped. kTaps = 0: `taps` at run time.
template <size_t kTaps, size_t V>
void dw_channels(const float* const* in, size_t taps, const DwOutput& o, size_t c, float* out) {
  v128_t acc[V];
  for (size_t v = 0; v < V; ++v) acc[v] = wasm_v128_load(o.bias + c + 4 * v);
  const size_t count = kTaps ? kTaps : taps;
  for (size_t t = 0; t < count; ++t) {
    const float* x = in[t] + c;
    const float* w = o.weight + t * o.channels + c;
    for (size_t v = 0; v < V; ++v)
      acc[v] = wt_f32x4_mul_add(wasm_v128_load(x + 4 * v), wasm_v128_load(w + 4 * v), acc[v]);
  }
  for (size_t v = 0; v < V; ++v) wasm_v128_store(out + c + 4 * v, wasm_f32x4_pmin(wasm_f32x4_pmax(acc[v], o.lo), o.hi));
}

// Every channel of one output pixel: 16 at a time, then 4, then one by one.
template <size_t kTaps>
void dw_pixel(const float* const* in, size_t taps, const DwOutput& o, float* out, F32MinMax minmax) {
  size_t c = 0;
  for (; c + 16 <= o.channels; c += 16) dw_channels<kTaps, 4>(in, taps, o, c, out);
  for (; c + 4 <= o.channels; c += 4) dw_channels<kTaps, 1>(in, taps, o, c, out);
  for (; c < o.channels; ++c) {
    float acc = o.bias[c];
    for (size_t t = 0; t < taps; ++t) acc += in[t][c] * o.weight[t * o.channels + c];
    out[c] = clamp_minmax(acc, minmax);
  }
}

using DwPixelFn = void (*)(const float* const*, size_t, const DwOutput&, float*, F32MinMax);

// K x K, stride S, dilation 1: for each vector of 4 channels the K*K taps stay in registers while
// pairs of pixels sweep a block of the row, one load per multiply-add (the per-pixel form loads
// each tap's weights again for every pixel: 8-10 GFLOP/s where the NCHW kernel reaches 19-26).
// rows[ky]: input row of tap row ky (a zero row in the padding), at the first block column's window.
template <size_t K, size_t S>
struct DwRowBlock {
  // Pixels [0, pixels) of the block, channels [c, c + 4).
  static void channels(const float* const* rows, const DwOutput& o, size_t c, size_t pixels, float* out) {
    const size_t ch = o.channels;
    v128_t w[K * K];
    for (size_t t = 0; t < K * K; ++t) w[t] = wasm_v128_load(o.weight + t * ch + c);
    size_t x = 0;
    for (; x + 2 <= pixels; x += 2) {
      v128_t acc0 = wasm_v128_load(o.bias + c), acc1 = acc0;
      for (size_t ky = 0; ky < K; ++ky) {
        const float* r = rows[ky] + x * S * ch + c;
        for (size_t kx = 0; kx < K; ++kx) {
          acc0 = wt_f32x4_mul_add(wasm_v128_load(r + kx * ch), w[ky * K + kx], acc0);
          acc1 = wt_f32x4_mul_add(wasm_v128_load(r + (kx + S) * ch), w[ky * K + kx], acc1);
        }
      }
      store_clamped(out + x * ch + c, acc0, o);
      store_clamped(out + (x + 1) * ch + c, acc1, o);
    }
    if (x < pixels) {
      v128_t acc = wasm_v128_load(o.bias + c);
      for (size_t ky = 0; ky < K; ++ky) {
        const float* r = rows[ky] + x * S * ch + c;
        for (size_t kx = 0; kx < K; ++kx) acc = wt_f32x4_mul_add(wasm_v128_load(r + kx * ch), w[ky * K + kx], acc);
      }
      store_clamped(out + x * ch + c, acc, o);
    }
  }

  // Every channel of `pixels` adjacent output pixels (the channel tail one by one).
  static void pixels(const float* const* rows, const DwOutput& o, size_t pixels, float* out, F32MinMax minmax) {
    size_t c = 0;
    for (; c + 4 <= o.channels; c += 4) channels(rows, o, c, pixels, out);
    for (; c < o.channels; ++c) {
      for (size_t x = 0; x < pixels; ++x) {
        float acc = o.bias[c];
        for (size_t ky = 0; ky < K; ++ky) {
          for (size_t kx = 0; kx < K; ++kx)
            acc += rows[ky][(x * S + kx) * o.channels + c] * o.weight[(ky * K + kx) * o.channels + c];
        }
        out[x * o.channels + c] = clamp_minmax(acc, minmax);
      }
    }
  }
};

using DwRowBlockFn = void (*)(const float* const*, const DwOutput&, size_t, float*, F32MinMax);

DwRowBlockFn row_block_kernel(const Conv2dGeometry& g) {
  if (g.kernel_h != g.kernel_w || g.stride_h != g.stride_w || g.dilation_h != 1 || g.dilation_w != 1) return nullptr;
  const size_t k = g.kernel_w, s = g.stride_w;
  if (k == 3) return s == 1 ? DwRowBlock<3, 1>::pixels : s == 2 ? DwRowBlock<3, 2>::pixels : nullptr;
  if (k == 5) return s == 1 ? DwRowBlock<5, 1>::pixels : s == 2 ? DwRowBlock<5, 2>::pixels : nullptr;
  return nullptr;
}

// Output columns whose windows lie inside the image horizontally: [first, end).
struct InteriorColumns {
  size_t first, end;
  explicit InteriorColumns(const Conv2dGeometry& g) {
    const size_t s = g.stride_w, span = (g.kernel_w - 1) * g.dilation_w + 1;
    first = std::min(g.out_w, (g.pad_left + s - 1) / s);
    const size_t fits =
        g.in_w + g.pad_left >= span ? (g.in_w + g.pad_left - span) / s + 1 : 0;  // ox*s - pad + span <= in_w
    end = std::max(first, std::min(g.out_w, fits));
  }
};

}  // namespace

void f32_dwconv2d_nhwc_simd128(const Conv2dGeometry& g, const float* input, const float* weight, const float* bias,
                               F32MinMax minmax, float* output, size_t row_begin, size_t row_end, float* scratch,
                               size_t scratch_floats) {
  const size_t channels = g.in_channels, taps = g.kernel_h * g.kernel_w;
  if (channels > scratch_floats || taps > kMaxTaps) {
    f32_dwconv2d_nhwc_scalar(g, input, weight, bias, minmax, output, row_begin, row_end);
    return;
  }
  // A zero row for taps in the padding: a whole input row for the row blocks, where it fits.
  const size_t row_floats = g.in_w * channels;
  const DwRowBlockFn row_block = row_floats <= scratch_floats ? row_block_kernel(g) : nullptr;
  const float* zeros = scratch;
  std::fill(scratch, scratch + (row_block ? row_floats : channels), 0.f);
  const DwOutput o{weight, bias ? bias : zeros, channels, wasm_f32x4_splat(minmax.min), wasm_f32x4_splat(minmax.max)};
  // The common kernels (3x3, 5x5) with their tap loops unrolled.
  const DwPixelFn pixel = taps == 9 ? dw_pixel<9> : taps == 25 ? dw_pixel<25> : dw_pixel<0>;
  const InteriorColumns interior(g);
  constexpr size_t kBlockPixels = 8;  // a block's input stays in L1 across its channel vectors
  const float* in[kMaxTaps];
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const float* image = input + n * g.in_h * row_floats;
    float* out_row = output + row * g.out_w * channels;
    auto border = [&](size_t ox) {
      tap_pointers(g, image, zeros, oy, ox, in);
      pixel(in, taps, o, out_row + ox * channels, minmax);
    };
    if (!row_block) {
      for (size_t ox = 0; ox < g.out_w; ++ox) border(ox);
      continue;
    }
    const float* rows[5];  // row blocks are at most 5x5
    for (size_t ky = 0; ky < g.kernel_h; ++ky) {
      const size_t iy = oy * g.stride_h + ky - g.pad_top;  // wraps when in padding
      rows[ky] = iy < g.in_h ? image + iy * row_floats : zeros;
    }
    for (size_t ox = 0; ox < interior.first; ++ox) border(ox);
    for (size_t ox = interior.first; ox < interior.end; ox += kBlockPixels) {
      const float* block_rows[5];
      for (size_t ky = 0; ky < g.kernel_h; ++ky) block_rows[ky] = rows[ky] + (ox * g.stride_w - g.pad_left) * channels;
      row_block(block_rows, o, std::min(kBlockPixels, interior.end - ox), out_row + ox * channels, minmax);
    }
    for (size_t ox = interior.end; ox < g.out_w; ++ox) border(ox);
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
