// Harness (c), structure-aware: a custom mutator unpacks the model file's graph, changes what a
// crafted file would (op names, node wiring, attributes, shapes, dtypes, symbols, dimension
// programs) and writes it back as a valid file, so inputs pass the header, checksum and
// flatbuffer verifier and reach the graph, shape and op checks behind them. Each input is then
// loaded and run like harness (b). Inputs it cannot parse get libFuzzer's byte mutations.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "fuzz_common.h"
#include "model_builder.h"
#include "wasm_torch_generated.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace wt::fuzz {
namespace {

namespace fb = ::wasm_torch::schema;
using Rng = std::minstd_rand;

struct ParsedFile {
  fb::ModelT model;
  std::vector<uint8_t> weights;
};

uint64_t read_u64_at(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

template <typename T>
bool aligned(const flatbuffers::Vector<T>* v) {
  return v == nullptr || reinterpret_cast<uintptr_t>(v->Data()) % 8 == 0;
}

bool aligned(const flatbuffers::Vector<flatbuffers::Offset<fb::DimExpr>>* exprs) {
  if (exprs == nullptr) return true;
  for (const fb::DimExpr* e : *exprs) {
    if (!aligned(e->values())) return false;
  }
  return true;
}

// UnPack reads [long], [double] and [Segment] in place, as the runtime once did: a file whose
// lists the verifier left misaligned gets byte mutations instead (the runtime reads it safely).
bool eight_byte_lists_aligned(const fb::Model& m) {
  if (!aligned(m.segments())) return false;
  if (m.tensors()) {
    for (const fb::Tensor* t : *m.tensors()) {
      if (!aligned(t->shape()) || !aligned(t->dims())) return false;
    }
  }
  if (m.nodes()) {
    for (const fb::Node* n : *m.nodes()) {
      if (!n->attributes()) continue;
      for (const fb::Attribute* a : *n->attributes()) {
        if (!aligned(a->ints()) || !aligned(a->floats()) || !aligned(a->int_exprs())) return false;
      }
    }
  }
  return true;
}

std::optional<ParsedFile> parse(const uint8_t* data, size_t size) {
  if (size < kHeaderSize) return std::nullopt;
  const uint64_t fb_offset = read_u64_at(data + 16), fb_size = read_u64_at(data + 24);
  const uint64_t w_offset = read_u64_at(data + 32), w_size = read_u64_at(data + 40);
  if (fb_offset != kHeaderSize || fb_size == 0 || fb_size > size - fb_offset || w_offset > size || w_size > size - w_offset) {
    return std::nullopt;
  }
  // The verifier wants the buffer where it will be read: an aligned copy.
  std::vector<uint64_t> aligned((fb_size + 7) / 8);
  std::memcpy(aligned.data(), data + fb_offset, fb_size);
  const auto* bytes = reinterpret_cast<const uint8_t*>(aligned.data());
  flatbuffers::Verifier verifier(bytes, fb_size);
  if (!fb::VerifyModelBuffer(verifier) || !eight_byte_lists_aligned(*fb::GetModel(bytes))) return std::nullopt;
  ParsedFile file;
  fb::GetModel(bytes)->UnPackTo(&file.model);
  file.weights.assign(data + w_offset, data + w_offset + w_size);
  return file;
}

size_t pick(Rng& rng, size_t n) { return n == 0 ? 0 : rng() % n; }

int64_t interesting_int(Rng& rng, int64_t current) {
  static const int64_t kValues[] = {0, 1, 2, 3, 4, 7, 8, 64, 255, 4096, -1, -2, -3,
                                    int64_t{1} << 31, int64_t{1} << 32, int64_t{1} << 62,
                                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  switch (rng() % 4) {
    case 0:  // wrapping, as a crafted file may
      return static_cast<int64_t>(static_cast<uint64_t>(current) + 1);
    case 1:
      return static_cast<int64_t>(static_cast<uint64_t>(current) - 1);
    default:
      return kValues[pick(rng, std::size(kValues))];
  }
}

double interesting_float(Rng& rng) {
  static const double kValues[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-12, 1e30, -1e30,
                                   std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()};
  return kValues[pick(rng, std::size(kValues))];
}

// A tensor index: mostly valid, sometimes -1 (an optional input left out) or out of range.
int32_t tensor_index(Rng& rng, const fb::ModelT& m) {
  const uint32_t r = rng() % 16;
  if (r == 0) return -1;
  if (r == 1) return static_cast<int32_t>(m.tensors.size());
  return static_cast<int32_t>(pick(rng, m.tensors.size()));
}

std::string op_name(Rng& rng) {
  return wt_op_info(static_cast<int>(pick(rng, static_cast<size_t>(wt_op_count()))), 0);
}

// The object API of this flatbuffers release has no copy constructors (unique_ptr members), and
// Pack() needs every table pointer set.
std::unique_ptr<fb::DimExprT> copy_expr(const std::unique_ptr<fb::DimExprT>& e) {
  auto c = std::make_unique<fb::DimExprT>();
  if (e) c->ops = e->ops, c->values = e->values;
  return c;
}

void fill_exprs(std::vector<std::unique_ptr<fb::DimExprT>>& exprs, size_t count) {
  while (exprs.size() < count) exprs.push_back(std::make_unique<fb::DimExprT>());
}

std::unique_ptr<fb::AttributeT> copy_attribute(const fb::AttributeT& a) {
  auto c = std::make_unique<fb::AttributeT>();
  c->name = a.name, c->kind = a.kind, c->i = a.i, c->f = a.f, c->ints = a.ints, c->floats = a.floats, c->s = a.s;
  for (const auto& e : a.int_exprs) c->int_exprs.push_back(copy_expr(e));
  return c;
}

void mutate_dim_expr(Rng& rng, fb::DimExprT& e, size_t symbols) {
  if (e.ops.empty() || rng() % 4 == 0) {
    e.ops.push_back(static_cast<fb::DimOp>(rng() % 9));  // 8 is not an op
    e.values.push_back(rng() % 2 ? static_cast<int64_t>(pick(rng, symbols + 1)) : interesting_int(rng, 0));
    return;
  }
  const size_t k = pick(rng, e.ops.size());
  if (rng() % 2) e.ops[k] = static_cast<fb::DimOp>(rng() % 9);
  if (k < e.values.size()) e.values[k] = interesting_int(rng, e.values[k]);
  if (rng() % 8 == 0 && !e.values.empty()) e.values.pop_back();
}

void mutate_attribute(Rng& rng, fb::AttributeT& a, const fb::ModelT& m) {
  switch (rng() % 7) {
    case 0:
      a.i = interesting_int(rng, a.i);
      break;
    case 1:
      if (a.ints.empty() || rng() % 4 == 0) {
        a.ints.push_back(interesting_int(rng, 1));
      } else if (rng() % 4 == 0) {
        a.ints.pop_back();
      } else {
        int64_t& v = a.ints[pick(rng, a.ints.size())];
        v = interesting_int(rng, v);
      }
      break;
    case 2:
      a.kind = static_cast<fb::AttrKind>(rng() % 6);  // 5 is not a kind
      break;
    case 3:
      if (a.floats.empty() || rng() % 4 == 0) a.floats.push_back(interesting_float(rng));
      else a.floats[pick(rng, a.floats.size())] = interesting_float(rng);
      a.f = interesting_float(rng);
      break;
    case 4: {  // a string value another attribute of the model holds (a layout, a mode)
      const auto& node = m.nodes[pick(rng, m.nodes.size())];
      if (!node->attributes.empty()) a.s = node->attributes[pick(rng, node->attributes.size())]->s;
      if (rng() % 8 == 0) a.s.push_back(static_cast<char>(rng() % 256));
      break;
    }
    case 5:
      if (!m.symbols.empty() || rng() % 4 == 0) {
        fill_exprs(a.int_exprs, std::max<size_t>(a.ints.size(), 1));
        mutate_dim_expr(rng, *a.int_exprs[pick(rng, a.int_exprs.size())], m.symbols.size());
      }
      break;
    default:
      a.name = rng() % 2 ? std::string() : a.name + "_";
      break;
  }
}

void mutate_node(Rng& rng, fb::NodeT& n, fb::ModelT& m) {
  switch (rng() % 6) {
    case 0:
      n.op = op_name(rng);
      break;
    case 1: {
      auto& list = rng() % 3 ? n.inputs : n.outputs;
      if (list.empty() || rng() % 4 == 0) list.push_back(tensor_index(rng, m));
      else if (rng() % 4 == 0) list.pop_back();
      else list[pick(rng, list.size())] = tensor_index(rng, m);
      break;
    }
    case 2:
      if (!n.attributes.empty()) mutate_attribute(rng, *n.attributes[pick(rng, n.attributes.size())], m);
      break;
    case 3: {  // an attribute copied from another node: names and values ops really read
      const auto& other = m.nodes[pick(rng, m.nodes.size())];
      if (!other->attributes.empty()) n.attributes.push_back(copy_attribute(*other->attributes[pick(rng, other->attributes.size())]));
      break;
    }
    case 4:
      if (!n.attributes.empty()) n.attributes.erase(n.attributes.begin() + static_cast<long>(pick(rng, n.attributes.size())));
      break;
    default:
      n.op = op_name(rng);
      n.attributes.clear();
      break;
  }
}

void mutate_tensor(Rng& rng, fb::TensorT& t, const fb::ModelT& m) {
  switch (rng() % 5) {
    case 0:
      if (t.shape.empty() || rng() % 4 == 0) t.shape.push_back(interesting_int(rng, 1));
      else if (rng() % 4 == 0) t.shape.pop_back();
      else {
        int64_t& d = t.shape[pick(rng, t.shape.size())];
        d = interesting_int(rng, d);
      }
      break;
    case 1:
      t.dtype = static_cast<fb::DType>(rng() % 8);  // 7 is not a dtype
      break;
    case 2:
      t.segment = static_cast<int32_t>(rng() % 4 == 0 ? -1 : pick(rng, m.segments.size() + 1));
      break;
    case 3: {
      fill_exprs(t.dims, t.shape.size());
      if (!t.dims.empty()) mutate_dim_expr(rng, *t.dims[pick(rng, t.dims.size())], m.symbols.size());
      break;
    }
    default:
      t.name = rng() % 2 ? std::string(1, static_cast<char>(rng() % 256)) : std::string();
      break;
  }
}

void mutate_model(Rng& rng, fb::ModelT& m) {
  switch (rng() % 10) {
    case 0:
    case 1:
    case 2:
      if (!m.nodes.empty()) mutate_node(rng, *m.nodes[pick(rng, m.nodes.size())], m);
      break;
    case 3:
    case 4:
      if (!m.tensors.empty()) mutate_tensor(rng, *m.tensors[pick(rng, m.tensors.size())], m);
      break;
    case 5:  // reorder or drop a node
      if (m.nodes.size() >= 2 && rng() % 2) {
        const size_t k = pick(rng, m.nodes.size() - 1);
        std::swap(m.nodes[k], m.nodes[k + 1]);
      } else if (!m.nodes.empty()) {
        m.nodes.erase(m.nodes.begin() + static_cast<long>(pick(rng, m.nodes.size())));
      }
      break;
    case 6: {
      auto& list = rng() % 2 ? m.inputs : m.outputs;
      if (list.empty() || rng() % 3 == 0) list.push_back(tensor_index(rng, m));
      else list[pick(rng, list.size())] = tensor_index(rng, m);
      break;
    }
    case 7:
      if (m.symbols.empty() || rng() % 4 == 0) {
        m.symbols.push_back(std::make_unique<fb::SymbolT>());
        m.symbols.back()->name = "s" + std::to_string(m.symbols.size());
      }
      {
        auto& s = *m.symbols[pick(rng, m.symbols.size())];
        (rng() % 2 ? s.min : s.max) = interesting_int(rng, s.min);
      }
      break;
    case 8:
      if (!m.segments.empty()) {
        auto& seg = m.segments[pick(rng, m.segments.size())];
        seg = rng() % 2 ? fb::Segment(static_cast<uint64_t>(interesting_int(rng, static_cast<int64_t>(seg.offset()))), seg.size())
                        : fb::Segment(seg.offset(), static_cast<uint64_t>(interesting_int(rng, static_cast<int64_t>(seg.size()))));
      }
      break;
    default:  // a node duplicated: a second writer of its outputs, or a reader of its own
      if (!m.nodes.empty()) {
        const auto& src = *m.nodes[pick(rng, m.nodes.size())];
        auto copy = std::make_unique<fb::NodeT>();
        copy->op = src.op;
        copy->inputs = src.inputs;
        copy->outputs = src.outputs;
        copy->source = src.source;
        for (const auto& a : src.attributes) copy->attributes.push_back(copy_attribute(*a));
        m.nodes.insert(m.nodes.begin() + static_cast<long>(pick(rng, m.nodes.size() + 1)), std::move(copy));
      }
      break;
  }
}

}  // namespace
}  // namespace wt::fuzz

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  using namespace wt::fuzz;
  Rng rng(seed | 1);
  std::optional<ParsedFile> file = parse(data, size);
  if (!file || rng() % 16 == 0) return LLVMFuzzerMutate(data, size, max_size);
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int r = 0; r < rounds; ++r) mutate_model(rng, file->model);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::Model::Pack(b, &file->model), "WTFB");
  const std::vector<uint8_t> out = wt::testing::assemble_file(b, file->weights);
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return wt::fuzz::run_input(data, size, /*forward=*/true);
}
