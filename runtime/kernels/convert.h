// Element type conversion (torch's .to(dtype)): float -> int truncates toward zero, any -> bool is != 0.
#pragma once

#include <cstddef>

#include "core/tensor.h"

namespace wt {

void convert_scalar(DType from, DType to, const void* x, void* y, size_t begin, size_t end);

}  // namespace wt
