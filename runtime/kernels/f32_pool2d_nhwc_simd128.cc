// NHWC pooling with SIMD128 across channels: 16 channels at a time (four independent vectors),
// then 4, then one by one. Max pooling propagates NaN, as PyTorch's does, but not with f32x4.max:
// V8 lowers it to eight instructions on x64 (NaN and signed-zero fixes around two maxps), which
// made ResNet-18's max pooling 10 cycles an output in Chromium. f32x4.pmax (one maxps) keeps the
// running max, ties to the first as the scalar kernel, and an f32x4.ne mask records the NaNs.
#include <limits>

#include "kernels/f32_pool2d.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

struct MaxOp {
  static constexpr bool kTracksNan = true;
  static v128_t init() { return wasm_f32x4_splat(-std::numeric_limits<float>::infinity()); }
  static v128_t combine(v128_t acc, v128_t x) { return wasm_f32x4_pmax(acc, x); }
  static float init1() { return -std::numeric_limits<float>::infinity(); }
  static float combine1(float acc, float x) { return (x > acc || x != x) ? x : acc; }
};

struct SumOp {
  static constexpr bool kTracksNan = false;  // a NaN propagates through the sum itself
  static v128_t init() { return wasm_f32x4_splat(0.f); }
  static v128_t combine(v128_t acc, v128_t x) { return wasm_f32x4_add(acc, x); }
  static float init1() { return 0.f; }
  static float combine1(float acc, float x) { return acc + x; }
};

// The input pixels of one output pixel's window: rows and columns from a first index at a step,
// each either inside the image or skipped.
struct Window {
  size_t y_first, y_count, y_step, x_first, x_count, x_step;
};

// Op over the window for V vectors of channels from c, into acc.
template <typename Op, size_t V>
void reduce_channels(const Pool2dGeometry& g, const float* image, size_t channels, const Window& w, size_t c,
                     v128_t* acc) {
  v128_t nan[V];
  for (size_t v = 0; v < V; ++v) acc[v] = Op::init(), nan[v] = wasm_i32x4_splat(0);
  for (size_t i = 0, y = w.y_first; i < w.y_count; ++i, y += w.y_step) {
    if (y >= g.in_h) continue;  // wrapped: in the padding
    for (size_t j = 0, x = w.x_first; j < w.x_count; ++j, x += w.x_step) {
      if (x >= g.in_w) continue;
      const float* p = image + (y * g.in_w + x) * channels + c;
      for (size_t v = 0; v < V; ++v) {
        const v128_t value = wasm_v128_load(p + 4 * v);
        acc[v] = Op::combine(acc[v], value);
        if constexpr (Op::kTracksNan) nan[v] = wasm_v128_or(nan[v], wasm_f32x4_ne(value, value));
      }
    }
  }
  if constexpr (Op::kTracksNan) {
    const v128_t quiet_nan = wasm_f32x4_splat(std::numeric_limits<float>::quiet_NaN());
    for (size_t v = 0; v < V; ++v) acc[v] = wasm_v128_bitselect(quiet_nan, acc[v], nan[v]);
  }
}

// One output pixel: finish(v128 acc) gives what to store for each vector; finish1 for scalars.
template <typename Op, typename Finish, typename Finish1>
void pool_pixel(const Pool2dGeometry& g, const float* image, size_t channels, const Window& w, float* out,
                Finish finish, Finish1 finish1) {
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    v128_t acc[4];
    reduce_channels<Op, 4>(g, image, channels, w, c, acc);
    for (size_t v = 0; v < 4; ++v) wasm_v128_store(out + c + 4 * v, finish(acc[v]));
  }
  for (; c + 4 <= channels; c += 4) {
    v128_t acc[1];
    reduce_channels<Op, 1>(g, image, channels, w, c, acc);
    wasm_v128_store(out + c, finish(acc[0]));
  }
  for (; c < channels; ++c) {
    float acc = Op::init1();
    for (size_t i = 0, y = w.y_first; i < w.y_count; ++i, y += w.y_step) {
      if (y >= g.in_h) continue;
      for (size_t j = 0, x = w.x_first; j < w.x_count; ++j, x += w.x_step) {
        if (x < g.in_w) acc = Op::combine1(acc, image[(y * g.in_w + x) * channels + c]);
      }
    }
    out[c] = finish1(acc);
  }
}

// Every pixel of output rows [row_begin, row_end): window(oy, ox) gives its window and divisor.
template <typename Op, typename WindowFn>
void pool_rows(const Pool2dGeometry& g, size_t channels, const float* input, float* output, size_t row_begin,
               size_t row_end, WindowFn window) {
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const float* image = input + n * g.in_h * g.in_w * channels;
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      size_t divisor = 0;
      const Window w = window(oy, ox, &divisor);
      float* out = output + (row * g.out_w + ox) * channels;
      if (divisor == 0) {
        pool_pixel<Op>(
            g, image, channels, w, out, [](v128_t v) { return v; }, [](float v) { return v; });
        continue;
      }
      const float d = static_cast<float>(divisor);
      const v128_t dv = wasm_f32x4_splat(d);
      pool_pixel<Op>(
          g, image, channels, w, out, [dv](v128_t v) { return wasm_f32x4_div(v, dv); }, [d](float v) { return v / d; });
    }
  }
}

}  // namespace

void f32_maxpool2d_nhwc_simd128(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                                size_t row_begin, size_t row_end) {
  pool_rows<MaxOp>(g, channels, input, output, row_begin, row_end, [&g](size_t oy, size_t ox, size_t*) {
    // Taps in the padding wrap past the image and are skipped.
    return Window{oy * g.stride_h - g.pad_top,  g.kernel_h, g.dilation_h,
                  ox * g.stride_w - g.pad_left, g.kernel_w, g.dilation_w};
  });
}

void f32_avgpool2d_nhwc_simd128(const Pool2dGeometry& g, size_t channels, const float* input, float* output,
                                size_t row_begin, size_t row_end) {
  pool_rows<SumOp>(g, channels, input, output, row_begin, row_end, [&g](size_t oy, size_t ox, size_t* divisor) {
    const AvgWindow w = avg_window(g, oy, ox);
    // An empty window sums to 0 (what the scalar kernel stores): any divisor keeps it 0.
    *divisor = w.divisor ? w.divisor : 1;
    return Window{w.y0, w.y1 > w.y0 ? w.y1 - w.y0 : 0, 1, w.x0, w.x1 > w.x0 ? w.x1 - w.x0 : 0, 1};
  });
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
