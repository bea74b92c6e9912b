// Depthwise 2-D convolution in int8 over NHWC (channel multiplier 1), static activations: the input
// image as bytes u (quantized with a calibrated scale and zero point, qd8_gemm.h's qu8), int8
// weights per channel, exact int32 sums dequantized on store like the byte panel tile's:
//   y = (sum over taps of u * w - zero_point * sum of w) * scale[c] + bias[c],
// scale[c] = input_scale * w_scale[c], then the clamp. Taps in the padding read the zero point (0.0).
//
// The relaxed-SIMD kernel multiplies with i32x4.relaxed_dot_i8x16_i7x16_add_s, which sums four
// adjacent byte products into each int32 lane: a lane has to hold four taps of one channel. So the
// weights are laid out in "column quads", four kernel rows of one kernel column of one channel,
// and each output row's input columns are transposed once into the same form (four kernel rows
// of an input column, channel by channel), then shared by every output pixel that reads that
// column (three for a 3x3 at stride 1). A 3x3 output pixel of 16 channels is then 12 dots against
// 36 f32 multiply-adds on 4 lanes. Inputs must be 7-bit (0..127) for the dot to be exact.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/activation.h"
#include "kernels/f32_conv2d.h"

namespace wt {

// Channels of one column quad vector, and the kernel rows a quad holds.
constexpr size_t kQu8DwChannelsPerVector = 4;
constexpr size_t kQu8DwRowsPerQuad = 4;
// Channels are padded to this (the SIMD kernel's step: four vectors of four channels).
constexpr size_t kQu8DwChannelBlock = 16;

inline size_t qu8_dw_padded_channels(size_t c) {
  return (c + kQu8DwChannelBlock - 1) / kQu8DwChannelBlock * kQu8DwChannelBlock;
}
inline size_t qu8_dw_row_quads(size_t kernel_h) { return (kernel_h + kQu8DwRowsPerQuad - 1) / kQu8DwRowsPerQuad; }

// Where weight (ky, kx) of channel c lives in the column quads [row quad][kx][Cp][4 rows]
// (Cp = qu8_dw_padded_channels(C); zero past C and past kernel_h).
inline size_t qu8_dw_weight_index(size_t kernel_w, size_t cp, size_t ky, size_t kx, size_t c) {
  return ((ky / kQu8DwRowsPerQuad * kernel_w + kx) * cp + c) * kQu8DwRowsPerQuad + ky % kQu8DwRowsPerQuad;
}

// Lays out int8 weights [kh*kw][C] (rows taps (ky, kx)) as column quads, quads[qu8_dw_weight_index
// (...)], and each channel's zero_point x weight sum into column_offset[C] (both zeroed first: Cp
// quads a row and Cp offsets).
void qu8_dw_pack_weights(const Conv2dGeometry& g, const int8_t* w, int zero_point, int8_t* quads,
                         int32_t* column_offset);

// A depthwise layer's weights as the kernels read them, made when the op is prepared; every array
// has Cp entries a row (zero past C).
struct Qu8DwWeights {
  const int8_t* quads;          // the column quads
  const int32_t* column_offset;  // zero_point x the channel's weight sum
  const float* scale;           // input_scale x the channel's weight scale
  const float* bias;            // zeros when the op has none
  uint8_t zero_point;           // what a tap in the padding reads
};

// Output rows [row_begin, row_end) of all images (row = n * out_h + oy) of input [N, H, W, C] bytes,
// every pixel and channel, into f32 [N, OH, OW, C]. The SIMD kernel transposes an output row's
// input columns into `scratch` (private to the calling thread), as many columns and channels as fit
// at a time.
void qu8_f32_qc8w_dwconv2d_nhwc_scalar(const Conv2dGeometry& g, const uint8_t* input, const Qu8DwWeights& w,
                                       F32MinMax minmax, float* output, size_t row_begin, size_t row_end,
                                       uint8_t* scratch, size_t scratch_bytes);
void qu8_f32_qc8w_dwconv2d_nhwc_c16_relaxedsimd(const Conv2dGeometry& g, const uint8_t* input, const Qu8DwWeights& w,
                                                F32MinMax minmax, float* output, size_t row_begin, size_t row_end,
                                                uint8_t* scratch, size_t scratch_bytes);
using Qu8DwConvFn = void (*)(const Conv2dGeometry&, const uint8_t*, const Qu8DwWeights&, F32MinMax, float*, size_t,
                             size_t, uint8_t*, size_t);

// The scratch the SIMD kernel needs at least: one output pixel's input columns of 16 channels.
size_t qu8_dwconv2d_min_scratch_bytes(const Conv2dGeometry& g);

}  // namespace wt
