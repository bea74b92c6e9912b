// Gathers a strided view into a contiguous buffer: y[i] = x[base + src.offset(i)], for elements
// of any size (permute, expand, slice share it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/strided_space.h"

namespace wt {

void copy_strided_scalar(const StridedSpace& src, size_t base, size_t element_size, const uint8_t* x, uint8_t* y,
                         size_t begin, size_t end);

}  // namespace wt
