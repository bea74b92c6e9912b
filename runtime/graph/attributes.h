// Named operator attributes, copied out of the model file at load. Ops read them through typed
// getters that return an error naming the op, the attribute and the problem.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/symbolic.h"

namespace wt {

// Values match schema::AttrKind.
enum class AttrKind : int8_t { kInt = 0, kFloat = 1, kInts = 2, kFloats = 3, kString = 4 };

struct Attribute {
  std::string name;
  AttrKind kind = AttrKind::kInt;
  int64_t i = 0;
  double f = 0;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string s;
  std::vector<DimExpr> exprs;  // dynamic shapes: per int (one) or per element of ints; empty = static
};

class Attributes {
 public:
  Attributes() = default;
  Attributes(std::string op_name, std::vector<Attribute> attrs) : op_(std::move(op_name)), attrs_(std::move(attrs)) {}

  bool has(const std::string& name) const { return find(name) != nullptr; }
  Result<int64_t> get_int(const std::string& name) const;
  Result<int64_t> get_int(const std::string& name, int64_t fallback) const;
  Result<double> get_float(const std::string& name, double fallback) const;
  Result<std::string> get_string(const std::string& name, const std::string& fallback) const;
  // A list of exactly `count` ints (a single int is broadcast, as PyTorch does for kernel_size=3).
  Result<std::vector<int64_t>> get_ints(const std::string& name, size_t count) const;
  Result<std::vector<int64_t>> get_ints(const std::string& name) const;

  // Dynamic shapes: checks the symbolic ints' structure; returns the attributes with them evaluated.
  Status validate_exprs(size_t symbol_count) const;
  Result<Attributes> bound(const std::vector<int64_t>& symbol_values) const;

 private:
  const Attribute* find(const std::string& name) const;
  Status error(const std::string& name, const std::string& what) const;

  std::string op_;
  std::vector<Attribute> attrs_;
};

}  // namespace wt
