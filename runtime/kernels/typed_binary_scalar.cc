#include <cstdint>
#include <type_traits>

#include "kernels/typed_binary.h"

namespace wt {
namespace {

template <typename T, CompareOp op>
struct Compare {
  using Out = bool;
  static bool f(T a, T b) {
    switch (op) {
      case CompareOp::kEq:
        return a == b;
      case CompareOp::kNe:
        return a != b;
      case CompareOp::kLt:
        return a < b;
      case CompareOp::kLe:
        return a <= b;
      case CompareOp::kGt:
        return a > b;
      case CompareOp::kGe:
        return a >= b;
    }
    return false;
  }
};

// Floor division and its remainder (Python's), defined as 0 for a zero divisor.
int64_t floor_div(int64_t a, int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return static_cast<int64_t>(0ULL - static_cast<uint64_t>(a));  // INT64_MIN / -1 wraps
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t floor_mod(int64_t a, int64_t b) {
  if (b == 0 || b == -1) return 0;
  const int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

template <typename T, IntegerOp op>
struct Integer {
  using Out = T;
  static T f(T a, T b) {
    // Wrap-around like PyTorch's integers (unsigned arithmetic: no signed-overflow UB).
    using U = std::make_unsigned_t<T>;
    switch (op) {
      case IntegerOp::kAdd:
        return static_cast<T>(U(a) + U(b));
      case IntegerOp::kSub:
        return static_cast<T>(U(a) - U(b));
      case IntegerOp::kMul:
        return static_cast<T>(U(a) * U(b));
      case IntegerOp::kMaximum:
        return a > b ? a : b;
      case IntegerOp::kMinimum:
        return a < b ? a : b;
      case IntegerOp::kFloorDivide:
        return static_cast<T>(floor_div(a, b));
      case IntegerOp::kRemainder:
        return static_cast<T>(floor_mod(a, b));
      case IntegerOp::kAnd:
        return a & b;
      case IntegerOp::kOr:
        return a | b;
      case IntegerOp::kXor:
        return a ^ b;
    }
    return a;
  }
};

template <typename T, typename Op>
void vv(size_t n, const void* a, const void* b, void* y) {
  auto* out = static_cast<typename Op::Out*>(y);
  for (size_t i = 0; i < n; ++i) out[i] = Op::f(static_cast<const T*>(a)[i], static_cast<const T*>(b)[i]);
}
template <typename T, typename Op>
void vs(size_t n, const void* a, const void* b, void* y) {
  auto* out = static_cast<typename Op::Out*>(y);
  const T s = *static_cast<const T*>(b);
  for (size_t i = 0; i < n; ++i) out[i] = Op::f(static_cast<const T*>(a)[i], s);
}
template <typename T, typename Op>
void sv(size_t n, const void* a, const void* b, void* y) {
  auto* out = static_cast<typename Op::Out*>(y);
  const T s = *static_cast<const T*>(a);
  for (size_t i = 0; i < n; ++i) out[i] = Op::f(s, static_cast<const T*>(b)[i]);
}
template <typename T, typename Op>
constexpr TypedBinaryKernels kernels() {
  return {vv<T, Op>, vs<T, Op>, sv<T, Op>};
}

template <typename T>
TypedBinaryKernels compare_typed(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return kernels<T, Compare<T, CompareOp::kEq>>();
    case CompareOp::kNe:
      return kernels<T, Compare<T, CompareOp::kNe>>();
    case CompareOp::kLt:
      return kernels<T, Compare<T, CompareOp::kLt>>();
    case CompareOp::kLe:
      return kernels<T, Compare<T, CompareOp::kLe>>();
    case CompareOp::kGt:
      return kernels<T, Compare<T, CompareOp::kGt>>();
    case CompareOp::kGe:
      return kernels<T, Compare<T, CompareOp::kGe>>();
  }
  return {};
}

template <typename T>
TypedBinaryKernels integer_typed(IntegerOp op) {
  switch (op) {
    case IntegerOp::kAdd:
      return kernels<T, Integer<T, IntegerOp::kAdd>>();
    case IntegerOp::kSub:
      return kernels<T, Integer<T, IntegerOp::kSub>>();
    case IntegerOp::kMul:
      return kernels<T, Integer<T, IntegerOp::kMul>>();
    case IntegerOp::kMaximum:
      return kernels<T, Integer<T, IntegerOp::kMaximum>>();
    case IntegerOp::kMinimum:
      return kernels<T, Integer<T, IntegerOp::kMinimum>>();
    case IntegerOp::kFloorDivide:
      return kernels<T, Integer<T, IntegerOp::kFloorDivide>>();
    case IntegerOp::kRemainder:
      return kernels<T, Integer<T, IntegerOp::kRemainder>>();
    case IntegerOp::kAnd:
      return kernels<T, Integer<T, IntegerOp::kAnd>>();
    case IntegerOp::kOr:
      return kernels<T, Integer<T, IntegerOp::kOr>>();
    case IntegerOp::kXor:
      return kernels<T, Integer<T, IntegerOp::kXor>>();
  }
  return {};
}

template <typename T>
void select_typed(size_t n, const bool* c, const void* a, const void* b, void* y) {
  const T* ta = static_cast<const T*>(a);
  const T* tb = static_cast<const T*>(b);
  T* ty = static_cast<T*>(y);
  for (size_t i = 0; i < n; ++i) ty[i] = c[i] ? ta[i] : tb[i];
}

}  // namespace

TypedBinaryKernels compare_scalar(CompareOp op, DType dtype) {
  switch (dtype) {
    case DType::kInt64:
      return compare_typed<int64_t>(op);
    case DType::kInt32:
      return compare_typed<int32_t>(op);
    case DType::kBool:
      return compare_typed<uint8_t>(op);
    default:
      return compare_typed<float>(op);
  }
}

TypedBinaryKernels integer_binary_scalar(IntegerOp op, DType dtype) {
  if (dtype == DType::kInt64) return integer_typed<int64_t>(op);
  if (dtype == DType::kInt32) return integer_typed<int32_t>(op);
  if (dtype != DType::kBool) return {};
  switch (op) {  // bool: 0/1 bytes
    case IntegerOp::kAnd:
    case IntegerOp::kMinimum:
      return integer_typed<uint8_t>(IntegerOp::kAnd);
    case IntegerOp::kOr:
    case IntegerOp::kMaximum:
      return integer_typed<uint8_t>(IntegerOp::kOr);
    case IntegerOp::kXor:
      return integer_typed<uint8_t>(IntegerOp::kXor);
    default:
      return {};
  }
}

void select_scalar(size_t n, size_t element_size, const bool* cond, const void* a, const void* b, void* y) {
  switch (element_size) {
    case 1:
      return select_typed<uint8_t>(n, cond, a, b, y);
    case 4:
      return select_typed<uint32_t>(n, cond, a, b, y);
    default:
      return select_typed<uint64_t>(n, cond, a, b, y);
  }
}

}  // namespace wt
