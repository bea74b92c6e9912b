// Tensor descriptions shared by the loader, the planner and the ops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/contract.h"
#include "core/status.h"

namespace wt {

enum class DType : int8_t {
  kFloat32 = contract::kDTypeFloat32,
  kFloat16 = contract::kDTypeFloat16,
  kInt64 = contract::kDTypeInt64,
  kInt32 = contract::kDTypeInt32,
  kInt8 = contract::kDTypeInt8,
  kUInt8 = contract::kDTypeUint8,
  kBool = contract::kDTypeBool,
};

constexpr int kMaxRank = 8;
constexpr int64_t kMaxElements = int64_t{1} << 40;

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);
bool dtype_is_valid(int value);

using Shape = std::vector<int64_t>;

std::string shape_to_string(const Shape& shape);
// Product of dims; caller has validated the shape with checked_numel first.
int64_t numel(const Shape& shape);
// Validates rank, non-negative dims and the element count bound, without overflowing.
Result<int64_t> checked_numel(const Shape& shape);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
  bool is_constant = false;
  const void* constant_data = nullptr;  // points into the model file buffer (weights used in place)
  size_t byte_size() const { return static_cast<size_t>(numel(shape)) * dtype_size(dtype); }
};

}  // namespace wt
