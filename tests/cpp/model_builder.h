// Builds small model files in C++ for loader and C API tests, mirroring what the Python
// serializer writes, with hooks to corrupt them in targeted ways.
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "format/file_header.h"
#include "wasm_torch_generated.h"

namespace wt::testing {

struct TinyModelOptions {
  std::vector<int64_t> input_shape = {2, 4};
  std::vector<int64_t> declared_output_shape = {2, 3};
  std::string op = "linear";
  std::string activation = "none";     // linear's fused activation attribute
  uint64_t weight_segment_offset = 0;  // relative to the weights area
  int weight_dtype = 0;                // float32
  std::vector<int64_t> weight_shape = {3, 4};
  std::string weight_layout;  // linear's weight_layout attribute, left out when empty
  int64_t out_features = 0;   // written with weight_layout "panels8"
  bool misaligned_input_shape = false;  // x's shape at 4 mod 8 (see misaligned_int64_vector)
};

inline void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(&b[at], &v, 4); }
inline void put_u64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(&b[at], &v, 8); }

// Recomputes the checksum, so structural corruption gets past the CRC and reaches the checks
// that must catch it.
inline void reseal(std::vector<uint8_t>& file) {
  put_u32(file, 48, crc32_ieee(file.data() + kHeaderSize, file.size() - kHeaderSize));
}

// [header][flatbuffer][weights at a 64-byte boundary], sealed.
inline std::vector<uint8_t> assemble_file(const flatbuffers::FlatBufferBuilder& b,
                                          const std::vector<uint8_t>& weights) {
  const size_t fb_size = b.GetSize();
  const size_t weights_offset = (kHeaderSize + fb_size + 63) / 64 * 64;
  std::vector<uint8_t> file(weights_offset + weights.size(), 0);
  std::memcpy(&file[kHeaderSize], b.GetBufferPointer(), fb_size);
  if (!weights.empty()) std::memcpy(&file[weights_offset], weights.data(), weights.size());
  std::memcpy(&file[0], kFileMagic, 8);
  put_u32(file, 8, kFormatVersion);
  put_u32(file, 12, kHeaderSize);
  put_u64(file, 16, kHeaderSize);
  put_u64(file, 24, fb_size);
  put_u64(file, 32, weights_offset);
  put_u64(file, 40, weights.size());
  put_u64(file, 56, file.size());
  reseal(file);
  return file;
}

// The weights area of a linear 4 -> 3: W [3, 4] (W[i][j] = i + j / 10) at 0, b = [1, 2, 3] at 64.
inline std::vector<uint8_t> tiny_linear_weights() {
  std::vector<uint8_t> weights(64 + 12, 0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      const float w = float(i) + float(j) / 10.f;
      std::memcpy(&weights[(i * 4 + j) * 4], &w, 4);
    }
  const float bias[3] = {1.f, 2.f, 3.f};
  std::memcpy(&weights[64], bias, 12);
  return weights;
}

// A [long] whose elements start 4 bytes past an 8-byte boundary of the finished buffer. The
// flatbuffers verifier passes it (it checks vectors for 4-byte alignment only); reading it in
// place would be a misaligned 8-byte load.
inline flatbuffers::Offset<flatbuffers::Vector<int64_t>> misaligned_int64_vector(flatbuffers::FlatBufferBuilder& b,
                                                                                const std::vector<int64_t>& v) {
  // The buffer is finished 8-aligned and grows down: data ending at size S + 8n from the end
  // starts at 4 mod 8 when S + 8n is 4 mod 8.
  if ((b.GetSize() + 8 * v.size()) % 8 != 4) b.PushElement<uint32_t>(0);
  b.StartVector(2 * v.size(), sizeof(uint32_t));  // aligns for 4-byte elements only
  for (auto it = v.rbegin(); it != v.rend(); ++it) b.PushBytes(reinterpret_cast<const uint8_t*>(&*it), 8);
  return flatbuffers::Offset<flatbuffers::Vector<int64_t>>(b.EndVector(v.size()));
}

// y = relu(x @ W^T + b) with x [2, 4], W [3, 4] (W[i][j] = i + j / 10), b = [1, 2, 3].
inline std::vector<uint8_t> build_tiny_model(const TinyModelOptions& o = {}) {
  namespace fb = ::wasm_torch::schema;
  flatbuffers::FlatBufferBuilder b;
  auto tensor = [&](const char* name, int dtype, std::vector<int64_t> shape, int segment) {
    return fb::CreateTensorDirect(b, name, static_cast<fb::DType>(dtype), &shape, segment);
  };
  const auto input = o.misaligned_input_shape
                         ? fb::CreateTensor(b, b.CreateString("x"), fb::DType_float32,
                                            misaligned_int64_vector(b, o.input_shape), -1)
                         : tensor("x", 0, o.input_shape, -1);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      input, tensor("weight", o.weight_dtype, o.weight_shape, 0), tensor("bias", 0, {3}, 1),
      tensor("y", 0, o.declared_output_shape, -1), tensor("z", 0, o.declared_output_shape, -1)};
  std::vector<flatbuffers::Offset<fb::Attribute>> attrs = {
      fb::CreateAttributeDirect(b, "activation", fb::AttrKind_string, 0, 0, nullptr, nullptr, o.activation.c_str())};
  if (!o.weight_layout.empty()) {
    attrs.push_back(fb::CreateAttributeDirect(b, "weight_layout", fb::AttrKind_string, 0, 0, nullptr, nullptr,
                                              o.weight_layout.c_str()));
    attrs.push_back(fb::CreateAttributeDirect(b, "out_features", fb::AttrKind_int_, o.out_features));
  }
  std::vector<int32_t> in0 = {0, 1, 2}, out0 = {3}, in1 = {3}, out1 = {4};
  // op by length: a test may put a NUL byte in it
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {fb::CreateNode(b, b.CreateString(o.op), b.CreateVector(in0),
                                                                     b.CreateVector(out0), b.CreateVector(attrs),
                                                                     b.CreateString("fc")),
                                                      fb::CreateNodeDirect(b, "relu", &in1, &out1, nullptr, "act")};
  std::vector<fb::Segment> segments = {fb::Segment(o.weight_segment_offset, 48), fb::Segment(64, 12)};
  std::vector<int32_t> inputs = {0}, outputs = {4};
  b.Finish(fb::CreateModelDirect(b, &tensors, &nodes, &inputs, &outputs, &segments, nullptr, "cpp-test"), "WTFB");

  return assemble_file(b, tiny_linear_weights());
}

// A one-node model: `op` over input 0 (the model's input, float32 `input_shape`) and the constant
// float32 inputs after it, with `attrs` (ints, int, float or string valued); its output has `output_shape`.
struct OneNodeModel {
  std::string op;
  std::vector<int64_t> input_shape, output_shape;
  // A float32 constant, or int8 / float16 (IEEE half bits) when int8_data / half_data is given; an
  // absent one is an optional input left out.
  struct Constant {
    std::vector<int64_t> shape;
    std::vector<float> data;
    std::vector<int8_t> int8_data;
    bool absent = false;
    std::vector<uint16_t> half_data;
  };
  std::vector<Constant> constants;
  struct Attr {
    std::string name;
    std::vector<int64_t> ints;  // an int attribute when `single`
    std::string s;              // a string attribute when not empty
    bool single = false;
    std::optional<double> f;    // a float attribute when set
  };
  std::vector<Attr> attrs;
  // The graph input's and output's dtypes (an int8 region's edges are uint8).
  ::wasm_torch::schema::DType input_dtype = ::wasm_torch::schema::DType_float32;
  ::wasm_torch::schema::DType output_dtype = ::wasm_torch::schema::DType_float32;
};

inline std::vector<uint8_t> build_one_node_model(const OneNodeModel& m) {
  namespace fb = ::wasm_torch::schema;
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, "x", m.input_dtype, &m.input_shape, -1)};
  std::vector<fb::Segment> segments;
  std::vector<uint8_t> weights;
  std::vector<int32_t> inputs = {0};
  for (size_t i = 0; i < m.constants.size(); ++i) {
    const OneNodeModel::Constant& c = m.constants[i];
    if (c.absent) {
      inputs.push_back(-1);
      continue;
    }
    const std::string name = "c" + std::to_string(i);
    const bool int8 = !c.int8_data.empty(), half = !c.half_data.empty();
    inputs.push_back(static_cast<int32_t>(tensors.size()));
    const auto dtype = int8 ? fb::DType_int8 : half ? fb::DType_float16 : fb::DType_float32;
    tensors.push_back(
        fb::CreateTensorDirect(b, name.c_str(), dtype, &c.shape, static_cast<int32_t>(segments.size())));
    weights.resize((weights.size() + 63) / 64 * 64);
    const auto* bytes = int8   ? reinterpret_cast<const uint8_t*>(c.int8_data.data())
                        : half ? reinterpret_cast<const uint8_t*>(c.half_data.data())
                               : reinterpret_cast<const uint8_t*>(c.data.data());
    const size_t size = int8 ? c.int8_data.size() : half ? c.half_data.size() * 2 : c.data.size() * 4;
    segments.emplace_back(weights.size(), size);
    weights.insert(weights.end(), bytes, bytes + size);
  }
  const int32_t y = static_cast<int32_t>(tensors.size());
  tensors.push_back(fb::CreateTensorDirect(b, "y", m.output_dtype, &m.output_shape, -1));
  std::vector<flatbuffers::Offset<fb::Attribute>> attrs;
  for (const auto& a : m.attrs) {
    if (a.f) {
      attrs.push_back(fb::CreateAttributeDirect(b, a.name.c_str(), fb::AttrKind_float_, 0, *a.f));
    } else if (!a.s.empty()) {
      attrs.push_back(
          fb::CreateAttributeDirect(b, a.name.c_str(), fb::AttrKind_string, 0, 0, nullptr, nullptr, a.s.c_str()));
    } else if (a.single) {
      attrs.push_back(fb::CreateAttributeDirect(b, a.name.c_str(), fb::AttrKind_int_, a.ints[0]));
    } else {
      attrs.push_back(fb::CreateAttributeDirect(b, a.name.c_str(), fb::AttrKind_ints, 0, 0, &a.ints));
    }
  }
  std::vector<int32_t> outputs = {y}, model_inputs = {0};
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {
      fb::CreateNodeDirect(b, m.op.c_str(), &inputs, &outputs, &attrs, "node")};
  b.Finish(fb::CreateModelDirect(b, &tensors, &nodes, &model_inputs, &outputs, &segments, nullptr, "cpp-test"), "WTFB");
  return assemble_file(b, weights);
}

}  // namespace wt::testing
