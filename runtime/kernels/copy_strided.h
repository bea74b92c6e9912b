// Gathers a strided view into a contiguous buffer: y[i] = x[base + src.offset(i)], for elements
// of any size (permute, expand, slice share it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/strided_space.h"

namespace wt {

void copy_strided_scalar(const StridedSpace& src, size_t base, size_t element_size, const uint8_t* x, uint8_t* y,
                         size_t begin, size_t end);

// y[b][j][i] = x[b][i][j], x as [batch, rows, cols]: output rows [begin, end) of y's flat
// [batch * cols] rows (each `rows` elements long), in tiles that keep both sides in cache
// (NCHW <-> NHWC is one such transpose per image).
void transpose_scalar(size_t rows, size_t cols, size_t element_size, const uint8_t* x, uint8_t* y, size_t begin,
                      size_t end);

}  // namespace wt
