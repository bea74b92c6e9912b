// Builds small model files in C++ for loader and C API tests, mirroring what the Python
// serializer writes, with hooks to corrupt them in targeted ways.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "format/file_header.h"
#include "wasm_torch_generated.h"

namespace wt::testing {

struct TinyModelOptions {
  std::vector<int64_t> input_shape = {2, 4};
  std::vector<int64_t> declared_output_shape = {2, 3};
  std::string op = "linear";
  std::string activation = "none";  // linear's fused activation attribute
  uint64_t weight_segment_offset = 0;  // relative to the weights area
  int weight_dtype = 0;                // float32
  std::vector<int64_t> weight_shape = {3, 4};
  std::string weight_layout;  // linear's weight_layout attribute, left out when empty
  int64_t out_features = 0;   // written with weight_layout "panels8"
};

inline void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(&b[at], &v, 4); }
inline void put_u64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(&b[at], &v, 8); }

// Recomputes the checksum, so structural corruption gets past the CRC and reaches the checks
// that must catch it.
inline void reseal(std::vector<uint8_t>& file) {
  put_u32(file, 48, crc32_ieee(file.data() + kHeaderSize, file.size() - kHeaderSize));
}

// y = relu(x @ W^T + b) with x [2, 4], W [3, 4] (W[i][j] = i + j / 10), b = [1, 2, 3].
inline std::vector<uint8_t> build_tiny_model(const TinyModelOptions& o = {}) {
  namespace fb = ::wasm_torch::schema;
  flatbuffers::FlatBufferBuilder b;
  auto tensor = [&](const char* name, int dtype, std::vector<int64_t> shape, int segment) {
    return fb::CreateTensorDirect(b, name, static_cast<fb::DType>(dtype), &shape, segment);
  };
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      tensor("x", 0, o.input_shape, -1), tensor("weight", o.weight_dtype, o.weight_shape, 0), tensor("bias", 0, {3}, 1),
      tensor("y", 0, o.declared_output_shape, -1), tensor("z", 0, o.declared_output_shape, -1)};
  std::vector<flatbuffers::Offset<fb::Attribute>> attrs = {
      fb::CreateAttributeDirect(b, "activation", fb::AttrKind_string, 0, 0, nullptr, nullptr, o.activation.c_str())};
  if (!o.weight_layout.empty()) {
    attrs.push_back(
        fb::CreateAttributeDirect(b, "weight_layout", fb::AttrKind_string, 0, 0, nullptr, nullptr, o.weight_layout.c_str()));
    attrs.push_back(fb::CreateAttributeDirect(b, "out_features", fb::AttrKind_int_, o.out_features));
  }
  std::vector<int32_t> in0 = {0, 1, 2}, out0 = {3}, in1 = {3}, out1 = {4};
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {fb::CreateNodeDirect(b, o.op.c_str(), &in0, &out0, &attrs, "fc"),
                                                      fb::CreateNodeDirect(b, "relu", &in1, &out1, nullptr, "act")};
  std::vector<fb::Segment> segments = {fb::Segment(o.weight_segment_offset, 48), fb::Segment(64, 12)};
  std::vector<int32_t> inputs = {0}, outputs = {4};
  b.Finish(fb::CreateModelDirect(b, &tensors, &nodes, &inputs, &outputs, &segments, nullptr, "cpp-test"), "WTFB");

  std::vector<float> weights(16 + 3, 0.f);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) weights[i * 4 + j] = float(i) + float(j) / 10.f;
  const size_t fb_size = b.GetSize();
  const size_t weights_offset = (kHeaderSize + fb_size + 63) / 64 * 64;
  std::vector<uint8_t> file(weights_offset + 64 + 12, 0);
  std::memcpy(&file[kHeaderSize], b.GetBufferPointer(), fb_size);
  std::memcpy(&file[weights_offset], weights.data(), 48);
  const float bias[3] = {1.f, 2.f, 3.f};
  std::memcpy(&file[weights_offset + 64], bias, 12);
  std::memcpy(&file[0], kFileMagic, 8);
  put_u32(file, 8, kFormatVersion);
  put_u32(file, 12, kHeaderSize);
  put_u64(file, 16, kHeaderSize);
  put_u64(file, 24, fb_size);
  put_u64(file, 32, weights_offset);
  put_u64(file, 40, 64 + 12);
  put_u64(file, 56, file.size());
  reseal(file);
  return file;
}

}  // namespace wt::testing
