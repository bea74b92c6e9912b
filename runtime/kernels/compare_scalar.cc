#include <cstring>

#include "kernels/compare.h"

namespace wt {
namespace {

template <typename T, CompareOp op>
bool compare(T a, T b) {
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

template <typename T, CompareOp op>
void vv(size_t n, const void* a, const void* b, bool* y) {
  for (size_t i = 0; i < n; ++i) y[i] = compare<T, op>(static_cast<const T*>(a)[i], static_cast<const T*>(b)[i]);
}
template <typename T, CompareOp op>
void vs(size_t n, const void* a, const void* b, bool* y) {
  const T s = *static_cast<const T*>(b);
  for (size_t i = 0; i < n; ++i) y[i] = compare<T, op>(static_cast<const T*>(a)[i], s);
}
template <typename T, CompareOp op>
void sv(size_t n, const void* a, const void* b, bool* y) {
  const T s = *static_cast<const T*>(a);
  for (size_t i = 0; i < n; ++i) y[i] = compare<T, op>(s, static_cast<const T*>(b)[i]);
}

template <typename T>
CompareKernels typed(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return {vv<T, CompareOp::kEq>, vs<T, CompareOp::kEq>, sv<T, CompareOp::kEq>};
    case CompareOp::kNe:
      return {vv<T, CompareOp::kNe>, vs<T, CompareOp::kNe>, sv<T, CompareOp::kNe>};
    case CompareOp::kLt:
      return {vv<T, CompareOp::kLt>, vs<T, CompareOp::kLt>, sv<T, CompareOp::kLt>};
    case CompareOp::kLe:
      return {vv<T, CompareOp::kLe>, vs<T, CompareOp::kLe>, sv<T, CompareOp::kLe>};
    case CompareOp::kGt:
      return {vv<T, CompareOp::kGt>, vs<T, CompareOp::kGt>, sv<T, CompareOp::kGt>};
    case CompareOp::kGe:
      return {vv<T, CompareOp::kGe>, vs<T, CompareOp::kGe>, sv<T, CompareOp::kGe>};
  }
  return {vv<T, CompareOp::kEq>, vs<T, CompareOp::kEq>, sv<T, CompareOp::kEq>};
}

template <typename T>
void select_typed(size_t n, const bool* c, const void* a, const void* b, void* y) {
  const T* ta = static_cast<const T*>(a);
  const T* tb = static_cast<const T*>(b);
  T* ty = static_cast<T*>(y);
  for (size_t i = 0; i < n; ++i) ty[i] = c[i] ? ta[i] : tb[i];
}

}  // namespace

CompareKernels compare_scalar(CompareOp op, DType dtype) {
  return dtype == DType::kInt64 ? typed<int64_t>(op) : typed<float>(op);
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
