#include "graph/symbolic.h"

#include <algorithm>
#include <limits>

#include "graph/graph.h"

namespace wt {
namespace {

constexpr size_t kMaxExprOps = 256;

bool is_operand(DimOp op) { return op == DimOp::kConstant || op == DimOp::kSymbol; }

const char* infix(DimOp op) {
  switch (op) {
    case DimOp::kAdd:
      return " + ";
    case DimOp::kMul:
      return "*";
    case DimOp::kFloorDiv:
      return " // ";
    case DimOp::kMod:
      return " % ";
    default:
      return nullptr;
  }
}

Result<int64_t> apply(DimOp op, int64_t a, int64_t b) {
  int64_t r = 0;
  switch (op) {
    case DimOp::kAdd:
      if (__builtin_add_overflow(a, b, &r)) return invalid_argument("a symbolic dimension overflows");
      return r;
    case DimOp::kMul:
      if (__builtin_mul_overflow(a, b, &r)) return invalid_argument("a symbolic dimension overflows");
      return r;
    case DimOp::kFloorDiv:
    case DimOp::kMod: {
      if (b == 0) return invalid_argument("a symbolic dimension divides by zero");
      if (a == std::numeric_limits<int64_t>::min() && b == -1)
        return invalid_argument("a symbolic dimension overflows");
      int64_t q = a / b, m = a % b;
      if (m != 0 && ((m < 0) != (b < 0))) {  // Python's floor division and modulo
        --q;
        m += b;
      }
      return op == DimOp::kFloorDiv ? q : m;
    }
    case DimOp::kMax:
      return std::max(a, b);
    case DimOp::kMin:
      return std::min(a, b);
    default:
      return invalid_model("invalid symbolic dimension operator");
  }
}

}  // namespace

int DimExpr::as_symbol() const {
  return ops.size() == 1 && ops[0] == DimOp::kSymbol ? static_cast<int>(values[0]) : -1;
}

Status DimExpr::validate(size_t symbol_count) const {
  if (ops.size() != values.size()) return invalid_model("a symbolic dimension has one value per operator missing");
  if (ops.size() > kMaxExprOps) return invalid_model("a symbolic dimension is longer than " + std::to_string(kMaxExprOps));
  size_t depth = 0;
  for (size_t k = 0; k < ops.size(); ++k) {
    const int code = static_cast<int>(ops[k]);
    if (code < 0 || code > static_cast<int>(DimOp::kMin)) return invalid_model("a symbolic dimension has an invalid operator");
    if (ops[k] == DimOp::kSymbol && (values[k] < 0 || static_cast<uint64_t>(values[k]) >= symbol_count)) {
      return invalid_model("a symbolic dimension refers to symbol " + std::to_string(values[k]) + ", but the model has " +
                           std::to_string(symbol_count));
    }
    if (is_operand(ops[k])) {
      ++depth;
    } else {
      if (depth < 2) return invalid_model("a symbolic dimension's operator lacks operands");
      --depth;
    }
  }
  if (!ops.empty() && depth != 1) return invalid_model("a symbolic dimension does not reduce to one value");
  return Status::ok();
}

Result<int64_t> DimExpr::evaluate(const std::vector<int64_t>& symbol_values) const {
  std::vector<int64_t> stack;
  stack.reserve(ops.size());
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k] == DimOp::kConstant) {
      stack.push_back(values[k]);
    } else if (ops[k] == DimOp::kSymbol) {
      stack.push_back(symbol_values[static_cast<size_t>(values[k])]);
    } else {
      const int64_t b = stack.back();
      stack.pop_back();
      WT_ASSIGN_OR_RETURN(stack.back(), apply(ops[k], stack.back(), b));
    }
  }
  return stack.back();
}

std::string DimExpr::to_string(const std::vector<std::string>& names) const {
  struct Term {
    std::string text;
    bool negative_constant;
  };
  std::vector<Term> stack;
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k] == DimOp::kConstant) {
      stack.push_back({std::to_string(values[k]), values[k] < 0});
    } else if (ops[k] == DimOp::kSymbol) {
      stack.push_back({names[static_cast<size_t>(values[k])], false});
    } else {
      const Term b = stack.back();
      stack.pop_back();
      const std::string& a = stack.back().text;
      std::string text;
      if (ops[k] == DimOp::kAdd && b.negative_constant) {
        text = "(" + a + " - " + b.text.substr(1) + ")";
      } else if (const char* op = infix(ops[k])) {
        text = "(" + a + op + b.text + ")";
      } else {
        text = std::string(ops[k] == DimOp::kMax ? "max(" : "min(") + a + ", " + b.text + ")";
      }
      stack.back() = {text, false};
    }
  }
  std::string text = stack.empty() ? "" : stack.back().text;
  return text.size() > 2 && text.front() == '(' && text.back() == ')' ? text.substr(1, text.size() - 2) : text;
}

std::string describe_dim(const Graph& graph, const std::vector<DimExpr>& dims, const Shape& shape, size_t axis) {
  if (axis < dims.size() && dims[axis].is_symbolic()) {
    std::vector<std::string> names;
    for (const Symbol& s : graph.symbols) names.push_back(s.name);
    return dims[axis].to_string(names);
  }
  return axis < shape.size() ? std::to_string(shape[axis]) : "?";
}

Result<std::vector<SymbolSource>> validate_symbols(const Graph& graph) {
  const size_t count = graph.symbols.size();
  for (const Node& node : graph.nodes) {
    const Status status = node.attributes.validate_exprs(count);
    if (!status.is_ok()) return invalid_model(node.describe() + ": " + status.message());
  }
  if (count == 0) {
    if (!graph.tensor_dims.empty()) return invalid_model("the model has symbolic dimensions but no symbols");
    return std::vector<SymbolSource>();
  }
  for (const Symbol& s : graph.symbols) {
    if (s.min < 0 || (s.max != -1 && s.max < s.min)) {
      return invalid_model("symbol " + quote(s.name) + " has invalid bounds [" + std::to_string(s.min) + ", " +
                           std::to_string(s.max) + "]");
    }
  }
  if (graph.tensor_dims.size() != graph.tensors.size())
    return invalid_model("the model's symbolic dimensions do not cover its tensors");
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const std::vector<DimExpr>& dims = graph.tensor_dims[t];
    if (dims.empty()) continue;
    const TensorInfo& info = graph.tensors[t];
    if (dims.size() != info.shape.size()) {
      return invalid_model("tensor " + quote(info.name) + " has " + std::to_string(dims.size()) + " symbolic dims for rank " +
                           std::to_string(info.shape.size()));
    }
    if (info.is_constant) return invalid_model("constant tensor " + quote(info.name) + " has a symbolic shape");
    for (const DimExpr& d : dims) WT_RETURN_IF_ERROR(d.validate(count));
  }
  std::vector<SymbolSource> sources(count, SymbolSource{SIZE_MAX, 0});
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const std::vector<DimExpr>& dims = graph.tensor_dims[static_cast<size_t>(graph.inputs[i])];
    for (size_t axis = 0; axis < dims.size(); ++axis) {
      const int s = dims[axis].as_symbol();
      if (s >= 0 && sources[static_cast<size_t>(s)].input == SIZE_MAX) sources[static_cast<size_t>(s)] = {i, axis};
    }
  }
  for (size_t s = 0; s < count; ++s) {
    if (sources[s].input == SIZE_MAX)
      return invalid_model("symbol " + quote(graph.symbols[s].name) + " is not the dimension of any input axis");
  }
  return sources;
}

Status check_bounds(const Symbol& symbol, int64_t value, const std::string& where) {
  if (value >= symbol.min && (symbol.max == -1 || value <= symbol.max)) return Status::ok();
  return invalid_argument(where + " (" + quote(symbol.name) + ") is " + std::to_string(value) +
                          ", outside the exported range [" + std::to_string(symbol.min) + ", " +
                          (symbol.max == -1 ? std::string("inf") : std::to_string(symbol.max)) + "]");
}

Result<std::vector<int64_t>> bind_symbols(const Graph& graph, const std::vector<SymbolSource>& sources,
                                          const std::vector<Shape>& input_shapes) {
  std::vector<int64_t> values(sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    const Symbol& symbol = graph.symbols[s];
    const int64_t v = input_shapes[sources[s].input][sources[s].axis];
    const TensorInfo& input = graph.tensors[static_cast<size_t>(graph.inputs[sources[s].input])];
    WT_RETURN_IF_ERROR(check_bounds(symbol, v, "input " + quote(input.name) + " dimension " + std::to_string(sources[s].axis)));
    values[s] = v;
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const size_t t = static_cast<size_t>(graph.inputs[i]);
    const std::vector<DimExpr>& dims = graph.tensor_dims[t];
    for (size_t axis = 0; axis < dims.size(); ++axis) {
      if (!dims[axis].is_symbolic()) continue;
      WT_ASSIGN_OR_RETURN(const int64_t want, dims[axis].evaluate(values));
      if (input_shapes[i][axis] != want) {
        return invalid_argument("input " + quote(graph.tensors[t].name) + " dimension " + std::to_string(axis) + " must be " +
                                describe_dim(graph, dims, graph.tensors[t].shape, axis) + " = " + std::to_string(want) +
                                ", got " + std::to_string(input_shapes[i][axis]));
      }
    }
  }
  return values;
}

Result<Graph> bind_graph(const Graph& graph, const std::vector<int64_t>& symbol_values) {
  Graph bound = graph;
  for (size_t t = 0; t < bound.tensors.size(); ++t) {
    const std::vector<DimExpr>& dims = graph.tensor_dims[t];
    for (size_t axis = 0; axis < dims.size(); ++axis) {
      if (!dims[axis].is_symbolic()) continue;
      WT_ASSIGN_OR_RETURN(bound.tensors[t].shape[axis], dims[axis].evaluate(symbol_values));
    }
    const Result<int64_t> count = checked_numel(bound.tensors[t].shape);
    if (!count.is_ok()) {
      return invalid_argument("tensor " + quote(bound.tensors[t].name) + " would have shape " +
                              shape_to_string(bound.tensors[t].shape) + ": " + count.status().message());
    }
  }
  for (Node& node : bound.nodes) {
    Result<Attributes> attrs = node.attributes.bound(symbol_values);
    if (!attrs.is_ok()) return invalid_argument(node.describe() + ": " + attrs.status().message());
    node.attributes = attrs.take();
  }
  return bound;
}

}  // namespace wt
