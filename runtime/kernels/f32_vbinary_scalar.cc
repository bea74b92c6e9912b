#include <cmath>

#include "kernels/f32_vbinary.h"

namespace wt {
namespace {

struct Add {
  static float f(float a, float b) { return a + b; }
};
struct Sub {
  static float f(float a, float b) { return a - b; }
};
struct Mul {
  static float f(float a, float b) { return a * b; }
};
struct Div {
  static float f(float a, float b) { return a / b; }
};
// NaN propagates, as torch.maximum/minimum do.
struct Max {
  static float f(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
};
struct Min {
  static float f(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }
};

struct Pow {
  static float f(float a, float b) { return std::pow(a, b); }
};
struct Atan2 {
  static float f(float a, float b) { return std::atan2(a, b); }
};
struct Fmod {
  static float f(float a, float b) { return std::fmod(a, b); }
};
// Python's modulo: the result takes the divisor's sign.
struct Remainder {
  static float f(float a, float b) {
    const float r = std::fmod(a, b);
    return (r != 0.f && ((r < 0.f) != (b < 0.f))) ? r + b : r;
  }
};
// PyTorch's floor_divide: floor(a / b), computed as (a - fmod(a, b)) / b corrected, as ATen does.
struct FloorDivide {
  static float f(float a, float b) {
    if (b == 0.f) return a / b;
    const float mod = std::fmod(a, b);
    float div = (a - mod) / b;
    if (mod != 0.f && ((b < 0.f) != (mod < 0.f))) div -= 1.f;
    if (div == 0.f) return std::copysign(0.f, a / b);
    const float floored = std::floor(div);
    return div - floored > 0.5f ? floored + 1.f : floored;
  }
};

template <typename Op>
void vv(size_t n, const float* a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = Op::f(a[i], b[i]);
}
template <typename Op>
void vs(size_t n, const float* a, float b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = Op::f(a[i], b);
}
template <typename Op>
void sv(size_t n, float a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = Op::f(a, b[i]);
}
template <typename Op>
constexpr F32BinaryKernels kernels() {
  return {vv<Op>, vs<Op>, sv<Op>};
}

}  // namespace

F32BinaryKernels f32_vbinary_scalar(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return kernels<Add>();
    case BinaryOp::kSub:
      return kernels<Sub>();
    case BinaryOp::kMul:
      return kernels<Mul>();
    case BinaryOp::kDiv:
      return kernels<Div>();
    case BinaryOp::kMaximum:
      return kernels<Max>();
    case BinaryOp::kMinimum:
      return kernels<Min>();
    case BinaryOp::kPow:
      return kernels<Pow>();
    case BinaryOp::kAtan2:
      return kernels<Atan2>();
    case BinaryOp::kFmod:
      return kernels<Fmod>();
    case BinaryOp::kRemainder:
      return kernels<Remainder>();
    case BinaryOp::kFloorDivide:
      return kernels<FloorDivide>();
    case BinaryOp::kNone:
      break;
  }
  return kernels<Add>();
}

}  // namespace wt
