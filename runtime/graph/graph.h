// The runtime's graph: what the loader builds from a model file and the executor runs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "graph/attributes.h"
#include "graph/symbolic.h"

namespace wt {

constexpr int kNoTensor = -1;  // an optional op input that was left out

struct Node {
  std::string op;
  std::vector<int> inputs;
  std::vector<int> outputs;
  Attributes attributes;
  std::string source;  // module path in the PyTorch model, for messages

  std::string describe() const { return "node " + quote(op) + (source.empty() ? "" : " (" + escaped(source) + ")"); }
};

struct Graph {
  std::vector<TensorInfo> tensors;
  std::vector<Node> nodes;  // topologically sorted
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string producer;
  // Dynamic shapes (empty when every shape is static): the symbols, and per tensor either no
  // DimExprs or one per axis (shapes then hold the example's values).
  std::vector<Symbol> symbols;
  std::vector<std::vector<DimExpr>> tensor_dims;

  bool is_dynamic() const { return !symbols.empty(); }
};

// Checks tensor indices, that every tensor is produced exactly once (or is a constant or graph
// input) before it is read, and that graph inputs/outputs are activations.
Status validate_graph_structure(const Graph& graph);

}  // namespace wt
