#include "format/model_loader.h"

#include <cstring>
#include <string>

#include "format/file_header.h"
#include "wasm_torch_generated.h"

namespace wt {
namespace {

namespace fb = ::wasm_torch::schema;

std::string str_or_empty(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

static_assert(FLATBUFFERS_LITTLEENDIAN, "the loader copies flatbuffer vectors as they lie: little-endian hosts only (wasm, x86-64, arm64)");

// The verifier checks a vector's elements for 4-byte alignment only, so a crafted file can put a
// [long], [double] or [Segment] at an address that is 4 mod 8: copy their bytes, never load them
// in place.
template <typename T>
std::vector<T> copy_vector(const flatbuffers::Vector<T>* v) {
  std::vector<T> out(v ? v->size() : 0);
  if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
  return out;
}

fb::Segment copy_segment(const flatbuffers::Vector<const fb::Segment*>& segments, size_t index) {
  fb::Segment seg;
  std::memcpy(&seg, segments.Data() + index * sizeof(fb::Segment), sizeof(fb::Segment));
  return seg;
}

Result<TensorInfo> read_tensor(const fb::Model& model, size_t index, const uint8_t* weights, uint64_t weights_size) {
  const fb::Tensor* t = model.tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
  TensorInfo info;
  info.name = str_or_empty(t->name());
  if (info.name.empty()) info.name = "tensor" + std::to_string(index);
  const std::string what = "tensor " + std::to_string(index) + " (" + quote(info.name) + ")";
  if (!dtype_is_valid(static_cast<int>(t->dtype()))) {
    return invalid_model(what + " has invalid dtype " + std::to_string(static_cast<int>(t->dtype())));
  }
  info.dtype = static_cast<DType>(t->dtype());
  info.shape = copy_vector(t->shape());
  Result<int64_t> count = checked_numel(info.shape);
  if (!count.is_ok()) return invalid_model(what + ": " + count.status().message());

  const int segment = t->segment();
  if (segment < 0) return info;
  const auto* segments = model.segments();
  if (segments == nullptr || static_cast<size_t>(segment) >= segments->size()) {
    return invalid_model(what + " refers to weight segment " + std::to_string(segment) + ", which does not exist");
  }
  const fb::Segment seg = copy_segment(*segments, static_cast<size_t>(segment));
  const uint64_t need = static_cast<uint64_t>(count.value()) * dtype_size(info.dtype);
  if (seg.offset() > weights_size || seg.size() > weights_size - seg.offset()) {
    return invalid_model(what + ": weight segment " + std::to_string(segment) + " [" + std::to_string(seg.offset()) +
                         ", +" + std::to_string(seg.size()) + ") is outside the " + std::to_string(weights_size) +
                         "-byte weights area");
  }
  if (seg.size() != need) {
    return invalid_model(what + ": weight segment holds " + std::to_string(seg.size()) + " bytes but shape " +
                         shape_to_string(info.shape) + " of " + dtype_name(info.dtype) + " needs " +
                         std::to_string(need));
  }
  if (seg.offset() % dtype_size(info.dtype) != 0) {
    return invalid_model(what + ": weight segment offset is not aligned to its dtype");
  }
  info.is_constant = true;
  info.constant_data = weights + seg.offset();
  return info;
}

DimExpr read_dim_expr(const fb::DimExpr* e) {
  DimExpr out;
  if (e == nullptr) return out;
  if (e->ops()) {
    for (auto op : *e->ops()) out.ops.push_back(static_cast<DimOp>(op));
  }
  out.values = copy_vector(e->values());
  return out;
}

std::vector<DimExpr> read_dim_exprs(const flatbuffers::Vector<flatbuffers::Offset<fb::DimExpr>>* v) {
  std::vector<DimExpr> out;
  if (v) {
    for (const fb::DimExpr* e : *v) out.push_back(read_dim_expr(e));
  }
  return out;
}

std::vector<int> read_indices(const flatbuffers::Vector<int32_t>* v) {
  return v ? std::vector<int>(v->begin(), v->end()) : std::vector<int>();
}

Attribute read_attribute(const fb::Attribute& a) {
  Attribute out;
  out.name = a.name()->str();
  out.kind = static_cast<AttrKind>(a.kind());
  out.i = a.i();
  out.f = a.f();
  out.ints = copy_vector(a.ints());
  out.floats = copy_vector(a.floats());
  out.s = str_or_empty(a.s());
  out.exprs = read_dim_exprs(a.int_exprs());
  return out;
}

Result<Node> read_node(const fb::Node& n, size_t index) {
  Node node;
  node.op = n.op()->str();
  node.source = str_or_empty(n.source());
  node.inputs = read_indices(n.inputs());
  node.outputs = read_indices(n.outputs());
  std::vector<Attribute> attrs;
  if (n.attributes()) {
    for (const fb::Attribute* a : *n.attributes()) {
      if (static_cast<int>(a->kind()) < 0 || a->kind() > fb::AttrKind_MAX) {
        return invalid_model("node " + std::to_string(index) + " (" + quote(node.op) + ") has an attribute of invalid kind");
      }
      attrs.push_back(read_attribute(*a));
    }
  }
  node.attributes = Attributes(node.op, std::move(attrs));
  if (node.outputs.empty()) return invalid_model(node.describe() + " has no outputs");
  return node;
}

}  // namespace

Result<Graph> load_graph(const uint8_t* data, size_t size) {
  WT_ASSIGN_OR_RETURN(FileHeader header, parse_file_header(data, size));
  const uint8_t* fb_data = data + header.flatbuffer_offset;
  flatbuffers::Verifier verifier(fb_data, static_cast<size_t>(header.flatbuffer_size));
  if (!fb::VerifyModelBuffer(verifier)) {
    return invalid_model(
        "the model description (flatbuffer) failed verification: it is corrupt or not a wasm-torch model");
  }
  const fb::Model& model = *fb::GetModel(fb_data);
  if (model.tensors() == nullptr || model.nodes() == nullptr)
    return invalid_model("the model has no tensors or no nodes");

  Graph graph;
  graph.producer = str_or_empty(model.producer());
  const uint8_t* weights = data + header.weights_offset;
  for (size_t i = 0; i < model.tensors()->size(); ++i) {
    WT_ASSIGN_OR_RETURN(TensorInfo t, read_tensor(model, i, weights, header.weights_size));
    graph.tensors.push_back(std::move(t));
  }
  for (size_t i = 0; i < model.nodes()->size(); ++i) {
    WT_ASSIGN_OR_RETURN(Node n, read_node(*model.nodes()->Get(static_cast<flatbuffers::uoffset_t>(i)), i));
    graph.nodes.push_back(std::move(n));
  }
  if (model.symbols() && model.symbols()->size() > 0) {
    for (const fb::Symbol* s : *model.symbols()) graph.symbols.push_back({str_or_empty(s->name()), s->min(), s->max()});
    for (const fb::Tensor* t : *model.tensors()) graph.tensor_dims.push_back(read_dim_exprs(t->dims()));
  }
  graph.inputs = read_indices(model.inputs());
  graph.outputs = read_indices(model.outputs());
  if (model.metadata()) {
    for (const fb::KeyValue* kv : *model.metadata())
      graph.metadata.emplace_back(kv->key()->str(), str_or_empty(kv->value()));
  }
  WT_RETURN_IF_ERROR(validate_graph_structure(graph));
  return graph;
}

}  // namespace wt
