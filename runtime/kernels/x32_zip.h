// Interleaves two rows of 32-bit elements: y[b][2j + i] = x[b][i][j], x as [batch, 2, cols]. A
// batched transpose with two rows, for which the tiled transpose moves one element at a time:
// ShuffleNet's channel shuffle over NHWC, a swap of [g=2, C/2] per pixel (ops/views.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wt {

using X32Zip2Fn = void (*)(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end);

void x32_zip2_scalar(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end);
void x32_zip2_simd128(size_t cols, const uint32_t* x, uint32_t* y, size_t batch_begin, size_t batch_end);

}  // namespace wt
