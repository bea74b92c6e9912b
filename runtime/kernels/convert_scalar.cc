#include <cstdint>

#include "kernels/convert.h"

namespace wt {
namespace {

template <typename From, typename To>
void convert_typed(const void* x, void* y, size_t begin, size_t end) {
  const From* in = static_cast<const From*>(x);
  To* out = static_cast<To*>(y);
  for (size_t i = begin; i < end; ++i) {
    if constexpr (std::is_same_v<To, bool>) {
      out[i] = in[i] != From(0);
    } else {
      out[i] = static_cast<To>(in[i]);
    }
  }
}

template <typename From>
void convert_from(DType to, const void* x, void* y, size_t begin, size_t end) {
  switch (to) {
    case DType::kFloat32:
      return convert_typed<From, float>(x, y, begin, end);
    case DType::kInt64:
      return convert_typed<From, int64_t>(x, y, begin, end);
    case DType::kInt32:
      return convert_typed<From, int32_t>(x, y, begin, end);
    case DType::kInt8:
      return convert_typed<From, int8_t>(x, y, begin, end);
    case DType::kUInt8:
      return convert_typed<From, uint8_t>(x, y, begin, end);
    case DType::kBool:
      return convert_typed<From, bool>(x, y, begin, end);
    case DType::kFloat16:
      return;  // rejected by the op's prepare()
  }
}

}  // namespace

void convert_scalar(DType from, DType to, const void* x, void* y, size_t begin, size_t end) {
  switch (from) {
    case DType::kFloat32:
      return convert_from<float>(to, x, y, begin, end);
    case DType::kInt64:
      return convert_from<int64_t>(to, x, y, begin, end);
    case DType::kInt32:
      return convert_from<int32_t>(to, x, y, begin, end);
    case DType::kInt8:
      return convert_from<int8_t>(to, x, y, begin, end);
    case DType::kUInt8:
      return convert_from<uint8_t>(to, x, y, begin, end);
    case DType::kBool:
      return convert_from<bool>(to, x, y, begin, end);
    case DType::kFloat16:
      return;
  }
}

}  // namespace wt
