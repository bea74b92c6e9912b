// What ExecutionPlan::bind gives each tensor: activations their arena slot, weights their bytes in
// the file, and a view of a weight (a reshape of a constant) the weight's bytes too; inputs keep
// theirs whole through a forward.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "api/wasm_torch.h"
#include "model_builder.h"

namespace wt {
namespace {

// y = x + reshape(w, [2, 3]), x [2, 3] and w [6] = 0, 1, ..., 5.
std::vector<uint8_t> build_view_of_weight_model() {
  namespace fb = ::wasm_torch::schema;
  flatbuffers::FlatBufferBuilder b;
  std::vector<int64_t> xs = {2, 3}, ws = {6};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, "x", fb::DType_float32, &xs, -1), fb::CreateTensorDirect(b, "w", fb::DType_float32, &ws, 0),
      fb::CreateTensorDirect(b, "w_view", fb::DType_float32, &xs, -1),
      fb::CreateTensorDirect(b, "y", fb::DType_float32, &xs, -1)};
  std::vector<int64_t> shape = {2, 3};
  std::vector<flatbuffers::Offset<fb::Attribute>> reshape_attrs = {
      fb::CreateAttributeDirect(b, "shape", fb::AttrKind_ints, 0, 0, &shape)};
  std::vector<int32_t> in0 = {1}, out0 = {2}, in1 = {0, 2}, out1 = {3};
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {
      fb::CreateNodeDirect(b, "reshape", &in0, &out0, &reshape_attrs, "view"),
      fb::CreateNodeDirect(b, "add", &in1, &out1, nullptr, "add")};
  std::vector<fb::Segment> segments = {fb::Segment(0, 24)};
  std::vector<int32_t> inputs = {0}, outputs = {3};
  b.Finish(fb::CreateModelDirect(b, &tensors, &nodes, &inputs, &outputs, &segments, nullptr, "cpp-test"), "WTFB");
  std::vector<uint8_t> weights(24);
  for (int i = 0; i < 6; ++i) {
    const float w = float(i);
    std::memcpy(&weights[i * 4], &w, 4);
  }
  return testing::assemble_file(b, weights);
}

// `file` loaded on `runtime` with input 0 set to x as [2, 3] (null on failure: wt_last_error says why).
wt_model* load_with_input(wt_runtime* runtime, const std::vector<uint8_t>& file, const float (&x)[6]) {
  void* buf = wt_alloc(file.size());
  std::memcpy(buf, file.data(), file.size());
  wt_model* m = wt_model_load(runtime, buf, file.size());
  const int64_t shape[2] = {2, 3};
  if (m != nullptr && wt_model_set_input(m, 0, x, sizeof(x), 0, 2, shape) != 1) {
    wt_model_destroy(m);
    return nullptr;
  }
  return m;
}

TEST(ExecutionPlanTest, AViewOfAWeightReadsTheWeight) {
  wt_runtime* runtime = wt_runtime_create(1);
  const float x[6] = {10, 20, 30, 40, 50, 60};
  wt_model* m = load_with_input(runtime, build_view_of_weight_model(), x);
  ASSERT_NE(m, nullptr) << wt_last_error();
  ASSERT_EQ(wt_model_forward(m), 1) << wt_last_error();
  const float* y = static_cast<const float*>(wt_model_output_data(m, 0));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], x[i] + float(i)) << i;
  wt_model_destroy(m);
  wt_runtime_destroy(runtime);
}

// a = x + x, b = a + a, y = b + a (= 6x): x's last reader is the first step, and b, the same size,
// could take x's slot after it.
std::vector<uint8_t> build_input_read_once_model() {
  namespace fb = ::wasm_torch::schema;
  flatbuffers::FlatBufferBuilder b;
  std::vector<int64_t> xs = {2, 3};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const char* name : {"x", "a", "b", "y"}) tensors.push_back(fb::CreateTensorDirect(b, name, fb::DType_float32, &xs, -1));
  std::vector<int32_t> in0 = {0, 0}, out0 = {1}, in1 = {1, 1}, out1 = {2}, in2 = {2, 1}, out2 = {3};
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {fb::CreateNodeDirect(b, "add", &in0, &out0, nullptr, "a"),
                                                      fb::CreateNodeDirect(b, "add", &in1, &out1, nullptr, "b"),
                                                      fb::CreateNodeDirect(b, "add", &in2, &out2, nullptr, "y")};
  std::vector<int32_t> inputs = {0}, outputs = {3};
  b.Finish(fb::CreateModelDirect(b, &tensors, &nodes, &inputs, &outputs, nullptr, nullptr, "cpp-test"), "WTFB");
  return testing::assemble_file(b, {});
}

// Model.benchmark sets the inputs once and runs forward again and again: every run must see them.
TEST(ExecutionPlanTest, InputsSurviveAForwardForTheNext) {
  wt_runtime* runtime = wt_runtime_create(1);
  const float x[6] = {1, 2, 3, 4, 5, 6};
  wt_model* m = load_with_input(runtime, build_input_read_once_model(), x);
  ASSERT_NE(m, nullptr) << wt_last_error();
  for (int run = 0; run < 3; ++run) {
    ASSERT_EQ(wt_model_forward(m), 1) << wt_last_error();
    const float* y = static_cast<const float*>(wt_model_output_data(m, 0));
    for (int i = 0; i < 6; ++i) ASSERT_EQ(y[i], 6 * x[i]) << "run " << run << ", element " << i;
  }
  wt_model_destroy(m);
  wt_runtime_destroy(runtime);
}

}  // namespace
}  // namespace wt
