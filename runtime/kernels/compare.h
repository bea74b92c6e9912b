// Elementwise comparisons with a bool (uint8 0/1) result, for float32 and int64 operands:
// vector-vector, vector-scalar and scalar-vector forms, as the binary arithmetic kernels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/tensor.h"

namespace wt {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct CompareKernels {
  void (*vv)(size_t n, const void* a, const void* b, bool* y);
  void (*vs)(size_t n, const void* a, const void* b_scalar, bool* y);
  void (*sv)(size_t n, const void* a_scalar, const void* b, bool* y);
};

// Kernels for operands of `dtype` (float32 or int64).
CompareKernels compare_scalar(CompareOp op, DType dtype);

// y[i] = cond[i] ? a[i] : b[i] for elements of `element_size` bytes (1, 4 or 8).
void select_scalar(size_t n, size_t element_size, const bool* cond, const void* a, const void* b, void* y);

}  // namespace wt
