// Symbolic dimensions: a model exported with dynamic shapes names the dimensions that may change
// between forwards (symbols, with bounds), and gives every shape and attribute that depends on
// them as an expression. Binding the symbols to the values of one forward's input shapes turns
// the graph into an ordinary static graph, which is prepared and planned as any other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace wt {

struct Graph;

// Values match schema::DimOp.
enum class DimOp : int8_t { kConstant = 0, kSymbol = 1, kAdd = 2, kMul = 3, kFloorDiv = 4, kMod = 5, kMax = 6, kMin = 7 };

// An integer expression in postfix (see DimExpr in schema/wasm_torch.fbs). Empty: not symbolic.
struct DimExpr {
  std::vector<DimOp> ops;
  std::vector<int64_t> values;  // the constant or the symbol index of each kConstant / kSymbol

  bool is_symbolic() const { return !ops.empty(); }
  // The symbol index when the expression is exactly one symbol, else -1.
  int as_symbol() const;
  // Structure only (operand counts, symbol indices < symbol_count), so evaluate() can fail only
  // on the values: overflow, division by zero.
  Status validate(size_t symbol_count) const;
  Result<int64_t> evaluate(const std::vector<int64_t>& symbol_values) const;
  std::string to_string(const std::vector<std::string>& symbol_names) const;
};

struct Symbol {
  std::string name;
  int64_t min = 0;
  int64_t max = -1;  // -1: unbounded
};

// Where each symbol gets its value: the first graph input axis that is exactly it.
struct SymbolSource {
  size_t input;
  size_t axis;
};

// Checks the graph's symbolic parts: expression structure, dims per axis, bounds, and that every
// symbol is some input axis; returns each symbol's source.
Result<std::vector<SymbolSource>> validate_symbols(const Graph& graph);

// Errors unless `value` is within the symbol's bounds: "<where> ('seq') is 65, outside the exported range [3, 64]".
Status check_bounds(const Symbol& symbol, int64_t value, const std::string& where);

// The symbol values of one forward: read from the input shapes, checked against each symbol's
// bounds and against every other input axis (shared or derived dimensions).
Result<std::vector<int64_t>> bind_symbols(const Graph& graph, const std::vector<SymbolSource>& sources,
                                          const std::vector<Shape>& input_shapes);

// The graph with every symbolic dimension and attribute evaluated at `symbol_values`.
Result<Graph> bind_graph(const Graph& graph, const std::vector<int64_t>& symbol_values);

// A symbolic dimension's text for messages ("seq", "2*seq"); a static one's number.
std::string describe_dim(const Graph& graph, const std::vector<DimExpr>& dims, const Shape& shape, size_t axis);

}  // namespace wt
