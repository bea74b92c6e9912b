// Elementwise binary kernels over contiguous runs: vector-vector, vector-scalar and
// scalar-vector (the last for non-commutative ops whose left operand is broadcast).
#pragma once

#include <cstddef>

namespace wt {

enum class BinaryOp {
  kAdd, kSub, kMul, kDiv, kMaximum, kMinimum,
  kPow, kAtan2, kFmod, kRemainder, kFloorDivide,  // PyTorch's: remainder and floor_divide round toward -inf
  kNone,  // no float32 form (integer-only ops)
};

struct F32BinaryKernels {
  void (*vv)(size_t n, const float* a, const float* b, float* y);
  void (*vs)(size_t n, const float* a, float b, float* y);
  void (*sv)(size_t n, float a, const float* b, float* y);
};

F32BinaryKernels f32_vbinary_scalar(BinaryOp op);

}  // namespace wt
