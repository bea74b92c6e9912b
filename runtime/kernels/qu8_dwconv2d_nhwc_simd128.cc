#include <algorithm>
#include <cstring>

#include "kernels/qu8_dwconv2d.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_RELAXED_SIMD

namespace {

// The transposed columns stay in L1 while the output pixels that read them are computed.
constexpr size_t kColumnBytes = 32 * 1024;

// Bytes [c, c + 16) of one input pixel: the zero point past the image's channels.
v128_t load_channels(const uint8_t* pixel, size_t c, size_t channels, v128_t zero_point) {
  if (c + kQu8DwChannelBlock <= channels) return wasm_v128_load(pixel + c);
  uint8_t lanes[kQu8DwChannelBlock];
  wasm_v128_store(lanes, zero_point);
  if (c < channels) std::memcpy(lanes, pixel + c, channels - c);
  return wasm_v128_load(lanes);
}

// Channels [c0, c0 + cb) (cb a multiple of 16) of input columns [x_first, x_first + count)
// (wrapping: columns outside the image read the zero point) of the output row's kernel rows
// (rows[ky], null in the padding) as column quads, [row quad][count][cb][4 rows].
void transpose_columns(const Conv2dGeometry& g, const uint8_t* const* rows, size_t x_first, size_t count, size_t c0,
                       size_t cb, v128_t zero_point, uint8_t* columns) {
  const size_t channels = g.in_channels;
  for (size_t q = 0; q < qu8_dw_row_quads(g.kernel_h); ++q) {
    const uint8_t* quad_rows[kQu8DwRowsPerQuad];
    for (size_t i = 0; i < kQu8DwRowsPerQuad; ++i) {
      const size_t ky = q * kQu8DwRowsPerQuad + i;
      quad_rows[i] = ky < g.kernel_h ? rows[ky] : nullptr;
    }
    for (size_t j = 0; j < count; ++j) {
      const size_t x = x_first + j;
      uint8_t* to = columns + (q * count + j) * cb * kQu8DwRowsPerQuad - c0 * kQu8DwRowsPerQuad;
      for (size_t c = c0; c < c0 + cb; c += kQu8DwChannelBlock) {
        v128_t v[kQu8DwRowsPerQuad];
        for (size_t i = 0; i < kQu8DwRowsPerQuad; ++i) {
          v[i] = quad_rows[i] != nullptr && x < g.in_w ? load_channels(quad_rows[i] + x * channels, c, channels, zero_point)
                                                       : zero_point;
        }
        // Rows 0 and 1, 2 and 3 interleaved a byte at a time, then those pairs a byte pair at a
        // time: each channel's four rows adjacent.
        const v128_t r01_lo = wasm_i8x16_shuffle(v[0], v[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const v128_t r01_hi = wasm_i8x16_shuffle(v[0], v[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const v128_t r23_lo = wasm_i8x16_shuffle(v[2], v[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const v128_t r23_hi = wasm_i8x16_shuffle(v[2], v[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        uint8_t* at = to + c * kQu8DwRowsPerQuad;
        wasm_v128_store(at, wasm_i16x8_shuffle(r01_lo, r23_lo, 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(at + 16, wasm_i16x8_shuffle(r01_lo, r23_lo, 4, 12, 5, 13, 6, 14, 7, 15));
        wasm_v128_store(at + 32, wasm_i16x8_shuffle(r01_hi, r23_hi, 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(at + 48, wasm_i16x8_shuffle(r01_hi, r23_hi, 4, 12, 5, 13, 6, 14, 7, 15));
      }
    }
  }
}

// The epilogue of channels [c, c + 4): all four stored, or n < 4 of them.
struct DwEpilogue {
  v128_t offset, scale, bias, lo, hi;
  DwEpilogue(const Qu8DwWeights& w, size_t c, F32MinMax minmax)
      : offset(wasm_v128_load(w.column_offset + c)),
        scale(wasm_v128_load(w.scale + c)),
        bias(wasm_v128_load(w.bias + c)),
        lo(wasm_f32x4_splat(minmax.min)),
        hi(wasm_f32x4_splat(minmax.max)) {}

  v128_t apply(v128_t sum) const {
    const v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(sum, offset)), scale);
    return wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_add(v, bias), lo), hi);
  }
  void store4(v128_t sum, float* at) const { wasm_v128_store(at, apply(sum)); }
  void store(v128_t sum, size_t c, size_t n, float* out) const {
    float lanes[kQu8DwChannelsPerVector];
    wasm_v128_store(lanes, apply(sum));
    std::memcpy(out + c, lanes, n * sizeof(float));
  }
};

// Output pixels [ox0, ox1), channels [c0, c1), of one row from its transposed columns (cb
// channels a column, from c0), four channels at a time: the channels' weights stay in registers
// (kQuads x kKernelW column quads: 3 for a 3x3, 10 for a 5x5) while the pixels sweep the columns.
// kKernelW = 0: any kernel, read at run time.
template <size_t kKernelW, size_t kQuads>
void dot_row(const Conv2dGeometry& g, const uint8_t* columns, size_t count, size_t cb, size_t c0, size_t c1,
             size_t ox0, size_t ox1, const Qu8DwWeights& w, F32MinMax minmax, float* out_row) {
  // Locals, not g's fields: the stores to out_row could alias those for all the compiler knows,
  // and it would reload and multiply them for every pixel.
  const size_t channels = g.in_channels, cp = qu8_dw_padded_channels(channels);
  const size_t kernel_w = kKernelW ? kKernelW : g.kernel_w, quads = kKernelW ? kQuads : qu8_dw_row_quads(g.kernel_h);
  const size_t weight_step = cp * kQu8DwRowsPerQuad, column_step = cb * kQu8DwRowsPerQuad;
  const size_t quad_step = count * column_step, pixel_step = g.stride_w * column_step;
  const size_t tap_step = g.dilation_w * column_step;
  const size_t pixels = ox1 - ox0, full_vectors = channels / kQu8DwChannelsPerVector * kQu8DwChannelsPerVector;
  float* out = out_row + ox0 * channels;
  for (size_t c = c0; c < c1; c += kQu8DwChannelsPerVector) {
    const DwEpilogue epilogue(w, c, minmax);
    const size_t n = c < full_vectors ? kQu8DwChannelsPerVector : channels - c;
    const int8_t* wq = w.quads + c * kQu8DwRowsPerQuad;
    const uint8_t* t = columns + (c - c0) * kQu8DwRowsPerQuad;
    auto sum = [&](const uint8_t* first, auto weight) {
      v128_t acc = wasm_i32x4_splat(0);
      for (size_t q = 0; q < quads; ++q) {
        for (size_t kx = 0; kx < kernel_w; ++kx) {
          acc = wt_i32x4_relaxed_dot_i8x16_i7x16_add(weight(q * kernel_w + kx),
                                                     wasm_v128_load(first + q * quad_step + kx * tap_step), acc);
        }
      }
      return acc;
    };
    if constexpr (kKernelW != 0) {
      v128_t weights[kQuads * kKernelW];
      for (size_t i = 0; i < kQuads * kKernelW; ++i) weights[i] = wasm_v128_load(wq + i * weight_step);
      auto weight = [&](size_t i) { return weights[i]; };
      if (n == kQu8DwChannelsPerVector) {
        for (size_t x = 0; x < pixels; ++x) epilogue.store4(sum(t + x * pixel_step, weight), out + x * channels + c);
      } else {
        for (size_t x = 0; x < pixels; ++x) epilogue.store(sum(t + x * pixel_step, weight), c, n, out + x * channels);
      }
    } else {
      auto weight = [&](size_t i) { return wasm_v128_load(wq + i * weight_step); };
      for (size_t x = 0; x < pixels; ++x) epilogue.store(sum(t + x * pixel_step, weight), c, n, out + x * channels);
    }
  }
}

using DotRowFn = void (*)(const Conv2dGeometry&, const uint8_t*, size_t, size_t, size_t, size_t, size_t, size_t,
                          const Qu8DwWeights&, F32MinMax, float*);

DotRowFn dot_row_kernel(const Conv2dGeometry& g) {
  if (g.kernel_h == 3 && g.kernel_w == 3) return dot_row<3, 1>;
  if (g.kernel_h == 5 && g.kernel_w == 5) return dot_row<5, 2>;
  return dot_row<0, 0>;
}

}  // namespace

void qu8_f32_qc8w_dwconv2d_nhwc_c16_relaxedsimd(const Conv2dGeometry& g, const uint8_t* input, const Qu8DwWeights& w,
                                                F32MinMax minmax, float* output, size_t row_begin, size_t row_end,
                                                uint8_t* scratch, size_t scratch_bytes) {
  const size_t channels = g.in_channels, cp = qu8_dw_padded_channels(channels);
  const size_t quads = qu8_dw_row_quads(g.kernel_h), span = (g.kernel_w - 1) * g.dilation_w + 1;
  // A pass transposes a block of channels of as many columns as fit the scratch (and L1 if they can):
  // every column of the row if that leaves 16 channels or more, else fewer (from 5x5 kernels over
  // 1152 channels of a 7x7 image to 3x3 over 32 of a 112x112 one, all blocks take whole rows).
  const size_t budget = std::max(std::min(scratch_bytes, kColumnBytes), qu8_dwconv2d_min_scratch_bytes(g));
  const uint8_t* rows[16 * kQu8DwRowsPerQuad];
  if (budget > scratch_bytes || g.kernel_h > sizeof(rows) / sizeof(rows[0])) {
    qu8_f32_qc8w_dwconv2d_nhwc_scalar(g, input, w, minmax, output, row_begin, row_end, scratch, scratch_bytes);
    return;
  }
  const size_t row_columns = (g.out_w - 1) * g.stride_w + span, quad_bytes = quads * kQu8DwRowsPerQuad;
  const size_t block = std::clamp(budget / (quad_bytes * row_columns) / kQu8DwChannelBlock * kQu8DwChannelBlock,
                                  kQu8DwChannelBlock, cp);
  const size_t chunk = (budget / (quad_bytes * block) - span) / g.stride_w + 1;
  const v128_t zero_point = wasm_i8x16_splat(static_cast<int8_t>(w.zero_point));
  const DotRowFn dot = dot_row_kernel(g);
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t n = row / g.out_h, oy = row % g.out_h;
    const uint8_t* image = input + n * g.in_h * g.in_w * channels;
    for (size_t ky = 0; ky < g.kernel_h; ++ky) {
      const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
      rows[ky] = iy < g.in_h ? image + iy * g.in_w * channels : nullptr;
    }
    float* out_row = output + row * g.out_w * channels;
    for (size_t c0 = 0; c0 < channels; c0 += block) {
      const size_t cb = std::min(block, cp - c0), c1 = std::min(channels, c0 + cb);
      for (size_t ox0 = 0; ox0 < g.out_w; ox0 += chunk) {
        const size_t ox1 = std::min(g.out_w, ox0 + chunk), count = (ox1 - ox0 - 1) * g.stride_w + span;
        transpose_columns(g, rows, ox0 * g.stride_w - g.pad_left, count, c0, cb, zero_point, scratch);
        dot(g, scratch, count, cb, c0, c1, ox0, ox1, w, minmax, out_row);
      }
    }
  }
}

#endif  // WT_HAVE_RELAXED_SIMD

}  // namespace wt
