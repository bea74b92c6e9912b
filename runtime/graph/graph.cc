#include "graph/graph.h"

namespace wt {
namespace {

Status check_index(const Graph& g, int index, const std::string& where) {
  if (index < 0 || static_cast<size_t>(index) >= g.tensors.size()) {
    return invalid_model(where + " refers to tensor " + std::to_string(index) + ", but the model has " +
                         std::to_string(g.tensors.size()) + " tensors");
  }
  return Status::ok();
}

}  // namespace

Status validate_graph_structure(const Graph& g) {
  std::vector<bool> defined(g.tensors.size(), false);
  for (size_t t = 0; t < g.tensors.size(); ++t) defined[t] = g.tensors[t].is_constant;

  if (g.inputs.empty()) return invalid_model("the model has no inputs");
  if (g.outputs.empty()) return invalid_model("the model has no outputs");
  for (int in : g.inputs) {
    WT_RETURN_IF_ERROR(check_index(g, in, "graph input"));
    if (defined[in])
      return invalid_model("graph input tensor " + std::to_string(in) + " is a constant or listed twice");
    defined[in] = true;
  }
  for (const Node& node : g.nodes) {
    for (int in : node.inputs) {
      if (in == kNoTensor) continue;
      WT_RETURN_IF_ERROR(check_index(g, in, node.describe() + " input"));
      if (!defined[in]) {
        return invalid_model(node.describe() + " reads tensor " + quote(g.tensors[in].name) + " before it is produced");
      }
    }
    for (int out : node.outputs) {
      WT_RETURN_IF_ERROR(check_index(g, out, node.describe() + " output"));
      if (defined[out]) {
        return invalid_model(node.describe() + " writes tensor " + quote(g.tensors[out].name) +
                             ", which is already defined");
      }
      defined[out] = true;
    }
  }
  for (int out : g.outputs) {
    WT_RETURN_IF_ERROR(check_index(g, out, "graph output"));
    if (!defined[out]) return invalid_model("graph output " + quote(g.tensors[out].name) + " is never produced");
    if (g.tensors[out].is_constant) return invalid_model("graph output " + quote(g.tensors[out].name) + " is a constant");
  }
  return Status::ok();
}

}  // namespace wt
