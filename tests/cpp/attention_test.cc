// The attention op against a double-precision softmax(q k^T * scale + bias) v: both layouts,
// broadcast biases, odd head dims, keys spanning several key blocks, one and two threads.
#include <gtest/gtest.h>

#include <tuple>

#include "ops/common/op.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

struct Case {
  size_t batch, heads, q_len, kv_len, head_dim, value_dim;
  Shape bias;  // empty: no bias
  bool causal = false;
};

Shape layout_shape(bool heads_outer, size_t b, size_t h, size_t len, size_t d) {
  return heads_outer ? Shape{int64_t(b), int64_t(h), int64_t(len), int64_t(d)}
                     : Shape{int64_t(b), int64_t(len), int64_t(h), int64_t(d)};
}

size_t at(bool heads_outer, const Case& c, size_t b, size_t h, size_t i, size_t len, size_t d) {
  return heads_outer ? ((b * c.heads + h) * len + i) * d : ((b * len + i) * c.heads + h) * d;
}

class AttentionTest : public ::testing::TestWithParam<std::tuple<Case, bool, int>> {};

TEST_P(AttentionTest, MatchesReference) {
  const auto [c, heads_outer, threads] = GetParam();
  const float scale = 0.37f;
  std::vector<TensorInfo> infos = {
      {"q", DType::kFloat32, layout_shape(heads_outer, c.batch, c.heads, c.q_len, c.head_dim)},
      {"k", DType::kFloat32, layout_shape(heads_outer, c.batch, c.heads, c.kv_len, c.head_dim)},
      {"v", DType::kFloat32, layout_shape(heads_outer, c.batch, c.heads, c.kv_len, c.value_dim)},
      {"bias", DType::kFloat32, c.bias}};
  std::vector<std::vector<float>> data;
  for (uint32_t i = 0; i < infos.size(); ++i) data.push_back(random_vector(numel(infos[i].shape), i + 1, -2.f, 2.f));
  Node node{"attention", {0, 1, 2}, {4}, Attributes("attention", {}), "test"};
  std::vector<Attribute> attrs = {{"layout", AttrKind::kString, 0, 0, {}, {}, heads_outer ? "bhld" : "blhd"},
                                  {"scale", AttrKind::kFloat, 0, scale, {}, {}, ""},
                                  {"causal", AttrKind::kInt, c.causal ? 1 : 0, 0, {}, {}, ""}};
  node.attributes = Attributes("attention", attrs);
  std::vector<OutputSpec> specs;
  PrepareContext prep{node, {&infos[0], &infos[1], &infos[2]}, &specs};
  if (!c.bias.empty()) prep.inputs.push_back(&infos[3]);
  auto kernel = find_op("attention")->prepare(prep);
  ASSERT_TRUE(kernel.is_ok()) << kernel.status().message();
  ASSERT_EQ(specs[0].shape, layout_shape(heads_outer, c.batch, c.heads, c.q_len, c.value_dim));
  std::vector<float> out(numel(specs[0].shape), -9.f);
  const void* inputs[4] = {data[0].data(), data[1].data(), data[2].data(), data[3].data()};
  void* outputs[1] = {out.data()};
  ThreadPool pool(threads, kOpThreadScratchBytes);
  RunErrors errors;
  kernel.value()->run(RunContext{inputs, prep.inputs.size(), outputs, &pool, &errors, nullptr});

  for (size_t b = 0; b < c.batch; ++b)
    for (size_t h = 0; h < c.heads; ++h)
      for (size_t i = 0; i < c.q_len; ++i) {
        std::vector<double> s(c.kv_len);
        double mx = -1e300, sum = 0;
        for (size_t j = 0; j < c.kv_len; ++j) {
          double dot = 0;
          for (size_t e = 0; e < c.head_dim; ++e) {
            dot += double(data[0][at(heads_outer, c, b, h, i, c.q_len, c.head_dim) + e]) *
                   data[1][at(heads_outer, c, b, h, j, c.kv_len, c.head_dim) + e];
          }
          s[j] = dot * scale;
          if (!c.bias.empty()) {
            const size_t bb = c.bias[0] == 1 ? 0 : b, bh = c.bias[1] == 1 ? 0 : h, bi = c.bias[2] == 1 ? 0 : i;
            s[j] += data[3][((bb * c.bias[1] + bh) * c.bias[2] + bi) * c.kv_len + j];
          }
          if (c.causal && j > i) s[j] = -INFINITY;
          mx = std::fmax(mx, s[j]);
        }
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (size_t e = 0; e < c.value_dim; ++e) {
          double acc = 0;
          for (size_t j = 0; j < c.kv_len; ++j) acc += s[j] / sum * data[2][at(heads_outer, c, b, h, j, c.kv_len, c.value_dim) + e];
          ASSERT_NEAR(out[at(heads_outer, c, b, h, i, c.q_len, c.value_dim) + e], acc, 2e-5)
              << b << "," << h << "," << i << "," << e;
        }
      }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionTest,
    ::testing::Combine(::testing::Values(Case{1, 1, 1, 1, 1, 1, {}}, Case{2, 3, 7, 5, 4, 4, {}},
                                         Case{1, 2, 23, 19, 13, 9, {1, 1, 1, 19}},        // padding mask
                                         Case{2, 2, 21, 21, 8, 8, {1, 1, 21, 21}},        // causal-style mask
                                         Case{2, 3, 5, 6, 3, 5, {2, 3, 5, 6}},            // per head
                                         Case{1, 2, 37, 700, 64, 64, {1, 1, 1, 700}},     // 3 key blocks
                                         Case{1, 1, 41, 300, 200, 120, {}},               // 3 blocks, wide heads
                                         Case{2, 2, 21, 21, 8, 8, {}, true},              // causal flag
                                         Case{1, 2, 45, 700, 64, 64, {1, 1, 1, 700}, true},  // skipped blocks
                                         Case{1, 1, 9, 4, 3, 3, {}, true},                // more queries than keys
                                         Case{1, 3, 130, 130, 64, 64, {}, true},          // keys cut per query block
                                         Case{1, 1, 700, 700, 16, 16, {}, true}),         // and per key block
                       ::testing::Bool(), ::testing::Values(1, 2)));

TEST(AttentionPrepareTest, RejectsMismatchedShapesBiasesAndLayouts) {
  std::vector<TensorInfo> infos = {{"q", DType::kFloat32, {1, 2, 3, 4}},
                                   {"k", DType::kFloat32, {1, 2, 5, 4}},
                                   {"v", DType::kFloat32, {1, 2, 6, 4}},
                                   {"bias", DType::kFloat32, {1, 1, 2, 5}}};
  auto error = [&](std::vector<int> inputs, const std::string& layout) {
    Node node{"attention", {}, {9}, Attributes("attention", {{"layout", AttrKind::kString, 0, 0, {}, {}, layout}}), ""};
    std::vector<OutputSpec> specs;
    PrepareContext prep{node, {}, &specs};
    for (int i : inputs) prep.inputs.push_back(&infos[i]);
    auto kernel = find_op("attention")->prepare(prep);
    return kernel.is_ok() ? std::string("accepted") : kernel.status().message();
  };
  EXPECT_NE(error({0, 1, 2}, "bhld").find("do not agree as bhld tensors"), std::string::npos);  // v has 6 keys
  infos[2].shape = {1, 2, 5, 4};
  EXPECT_EQ(error({0, 1, 2}, "bhld"), "accepted");
  EXPECT_NE(error({0, 1, 2, 3}, "bhld").find("does not broadcast to [1, 2, 3, 5]"), std::string::npos);
  EXPECT_NE(error({0, 1, 2}, "hbld").find("layout must be 'bhld' or 'blhd'"), std::string::npos);
  infos[0].shape = {1, 2, 30000, 4};  // the running statistics alone overflow the scratch
  EXPECT_NE(error({0, 1, 2}, "bhld").find("attention scratch"), std::string::npos);
}

}  // namespace
}  // namespace wt
