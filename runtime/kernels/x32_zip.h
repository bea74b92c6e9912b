// Interleaves two or three rows of 32-bit elements: y[b][R j + i] = x[b][i][j], x as [batch, R,
// cols]. Batched transposes with few rows, for which the tiled transpose moves one element at a
// time: ShuffleNet's channel shuffle over NHWC, a swap of [g=2, C/2] per pixel, and an RGB image
// from NCHW to NHWC, the first op of every convnet (ops/views.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wt {

using X32Zip2Fn = void (*)(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end);

void x32_zip2_scalar(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end);
void x32_zip2_simd128(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end);

// Three rows: output pixels [begin, end) of the flat [batch * cols] (each three elements), so one
// image's columns split over threads.
using X32Zip3Fn = void (*)(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end);

void x32_zip3_scalar(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end);
void x32_zip3_simd128(size_t cols, const uint32_t* x, uint32_t* y, size_t begin, size_t end);

}  // namespace wt
