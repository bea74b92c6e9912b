#include "core/tensor.h"

namespace wt {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return 4;
    case DType::kFloat16:
      return 2;
    case DType::kInt64:
      return 8;
    case DType::kInt32:
      return 4;
    case DType::kInt8:
      return 1;
    case DType::kUInt8:
      return 1;
    case DType::kBool:
      return 1;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat16:
      return "float16";
    case DType::kInt64:
      return "int64";
    case DType::kInt32:
      return "int32";
    case DType::kInt8:
      return "int8";
    case DType::kUInt8:
      return "uint8";
    case DType::kBool:
      return "bool";
  }
  return "invalid";
}

bool dtype_is_valid(int value) { return value >= 0 && value <= static_cast<int>(DType::kBool); }

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Result<int64_t> checked_numel(const Shape& shape) {
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    return invalid_model("rank " + std::to_string(shape.size()) + " exceeds the maximum of " +
                         std::to_string(kMaxRank));
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return invalid_model("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > kMaxElements / d)
      return invalid_model("shape " + shape_to_string(shape) + " has too many elements");
    n *= d;
  }
  return n;
}

}  // namespace wt
