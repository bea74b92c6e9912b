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
  }
  return kernels<Add>();
}

}  // namespace wt
