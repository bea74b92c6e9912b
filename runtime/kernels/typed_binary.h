// Elementwise binary kernels over typed elements (int64, int32, bool stored as one byte 0/1, float32),
// vector-vector, vector-scalar and scalar-vector, through void pointers so one broadcast loop
// (ops/common/broadcast.h: TypedBinaryKernel) serves comparisons and integer and logical arithmetic.
#pragma once

#include <cstddef>

#include "core/tensor.h"

namespace wt {

struct TypedBinaryKernels {
  void (*vv)(size_t n, const void* a, const void* b, void* y);
  void (*vs)(size_t n, const void* a, const void* b_scalar, void* y);
  void (*sv)(size_t n, const void* a_scalar, const void* b, void* y);
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// Comparisons of float32, int64, int32 or bool operands -> bool.
TypedBinaryKernels compare_scalar(CompareOp op, DType dtype);

// Integer arithmetic as PyTorch defines it on int64 and int32 (floor_divide and remainder round toward
// negative infinity; division by zero gives 0 here, where PyTorch raises) and bitwise/logical ops
// on int64 and bool (bool: and, or, xor, maximum = or, minimum = and).
enum class IntegerOp { kAdd, kSub, kMul, kMaximum, kMinimum, kFloorDivide, kRemainder, kAnd, kOr, kXor };

// The kernels for `op` on `dtype` (int64, int32 or bool), or {} (null functions) where the pair is undefined.
TypedBinaryKernels integer_binary_scalar(IntegerOp op, DType dtype);

// y[i] = cond[i] ? a[i] : b[i] for elements of `element_size` bytes (1, 4 or 8).
void select_scalar(size_t n, size_t element_size, const bool* cond, const void* a, const void* b, void* y);

}  // namespace wt
