// Interleaves two or three rows of 32-bit elements: y[b][R j + i] = x[b][i][j], x as [batch, R,
// cols]. Batched transposes with few rows, for which the tiled transpose moves one element at a
// time: ShuffleNet's channel shuffle over NHWC, a swap of [g=2, C/2] per pixel (ops/views.cc; or,
// fused with the concatenation before it, two tensors' channels interleaved: ops/concat.cc), and
// an RGB image from NCHW to NHWC, the first op of every convnet (ops/views.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wt {

// Two rows, each from its own place: y[b * y_stride + 2 j + i] = (i ? second : first)[b * x_stride
// + j] for j < cols, batches [batch_begin, batch_end). A [batch, 2, cols] array is first = x,
// second = x + cols, both strides 2 cols.
struct X32Zip2Rows {
  const uint32_t* first;
  const uint32_t* second;
  size_t x_stride;
  uint32_t* y;
  size_t y_stride;
};
using X32Zip2Fn = void (*)(size_t cols, const X32Zip2Rows& rows, size_t batch_begin, size_t batch_end);

void x32_zip2_scalar(size_t cols, const X32Zip2Rows& rows, size_t batch_begin, size_t batch_end);
void x32_zip2_simd128(size_t cols, const X32Zip2Rows& rows, size_t batch_begin, size_t batch_end);

// Three rows: output pixels [begin, end) of the flat [batch * cols] (each three elements), so one
// image's columns split over threads.
using X32Zip3Fn = void (*)(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end);

void x32_zip3_scalar(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end);
void x32_zip3_simd128(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end);

}  // namespace wt
