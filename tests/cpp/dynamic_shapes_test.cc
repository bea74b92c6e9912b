// Dynamic shapes: symbolic dimension expressions, binding symbols from input shapes, one plan per
// distinct input shape (cached, bounded), and hostile symbolic parts of a file.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "api/wasm_torch.h"
#include "graph/symbolic.h"
#include "model_builder.h"

namespace wt {
namespace {

DimExpr expr(std::vector<DimOp> ops, std::vector<int64_t> values) { return DimExpr{std::move(ops), std::move(values)}; }

int64_t eval(const DimExpr& e, std::vector<int64_t> symbols) {
  EXPECT_TRUE(e.validate(symbols.size()).is_ok());
  Result<int64_t> r = e.evaluate(symbols);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? r.value() : -999;
}

TEST(DimExprTest, EvaluatesEachOperatorWithPythonSemantics) {
  using O = DimOp;
  const DimExpr s0 = expr({O::kSymbol}, {0});
  EXPECT_EQ(s0.as_symbol(), 0);
  EXPECT_EQ(eval(s0, {7}), 7);
  EXPECT_EQ(eval(expr({O::kSymbol, O::kConstant, O::kMul, O::kConstant, O::kAdd}, {0, 3, 0, -1, 0}), {5}), 14);
  EXPECT_EQ(eval(expr({O::kSymbol, O::kSymbol, O::kMul}, {0, 1, 0}), {4, 6}), 24);
  EXPECT_EQ(eval(expr({O::kSymbol, O::kConstant, O::kFloorDiv}, {0, 2, 0}), {-7}), -4);  // floor, not trunc
  EXPECT_EQ(eval(expr({O::kSymbol, O::kConstant, O::kMod}, {0, 3, 0}), {-7}), 2);  // sign of the divisor
  EXPECT_EQ(eval(expr({O::kSymbol, O::kConstant, O::kMod}, {0, -3, 0}), {7}), -2);
  EXPECT_EQ(eval(expr({O::kSymbol, O::kConstant, O::kMax}, {0, 4, 0}), {2}), 4);
  EXPECT_EQ(eval(expr({O::kSymbol, O::kConstant, O::kMin}, {0, 4, 0}), {2}), 2);
  EXPECT_EQ(expr({O::kSymbol, O::kConstant, O::kMul, O::kConstant, O::kAdd}, {0, 3, 0, -1, 0}).to_string({"seq"}),
            "(seq*3) - 1");
  EXPECT_EQ(expr({O::kConstant, O::kSymbol, O::kMul, O::kSymbol, O::kConstant, O::kFloorDiv, O::kMax},
                 {2, 0, 0, 1, 4, 0, 0})
                .to_string({"seq", "batch"}),
            "max((2*seq), (batch // 4))");
  EXPECT_EQ(expr({O::kConstant, O::kSymbol, O::kMul}, {2, 0, 0}).as_symbol(), -1);
}

TEST(DimExprTest, ValueErrorsAreReportedNotUndefined) {
  using O = DimOp;
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(expr({O::kSymbol, O::kConstant, O::kFloorDiv}, {0, 0, 0}).evaluate({5}).is_ok());
  EXPECT_FALSE(expr({O::kSymbol, O::kConstant, O::kMod}, {0, 0, 0}).evaluate({5}).is_ok());
  EXPECT_FALSE(expr({O::kSymbol, O::kConstant, O::kMul}, {0, big, 0}).evaluate({2}).is_ok());
  EXPECT_FALSE(expr({O::kSymbol, O::kConstant, O::kAdd}, {0, big, 0}).evaluate({2}).is_ok());
  EXPECT_FALSE(expr({O::kSymbol, O::kConstant, O::kFloorDiv}, {0, -1, 0})
                   .evaluate({std::numeric_limits<int64_t>::min()})
                   .is_ok());
}

struct BadExpr {
  const char* what;
  DimExpr e;
};

class DimExprStructureTest : public ::testing::TestWithParam<BadExpr> {};

TEST_P(DimExprStructureTest, IsRejectedByValidate) {
  const Status s = GetParam().e.validate(1);
  EXPECT_FALSE(s.is_ok()) << GetParam().what;
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, DimExprStructureTest,
    ::testing::Values(BadExpr{"operator without operands", expr({DimOp::kAdd}, {0})},
                      BadExpr{"one operand short", expr({DimOp::kSymbol, DimOp::kMul}, {0, 0})},
                      BadExpr{"two values left", expr({DimOp::kSymbol, DimOp::kConstant}, {0, 1})},
                      BadExpr{"symbol out of range", expr({DimOp::kSymbol}, {1})},
                      BadExpr{"negative symbol", expr({DimOp::kSymbol}, {-1})},
                      BadExpr{"values and ops differ", expr({DimOp::kSymbol, DimOp::kConstant, DimOp::kAdd}, {0})},
                      BadExpr{"invalid operator", expr({static_cast<DimOp>(42)}, {0})},
                      BadExpr{"too long", expr(std::vector<DimOp>(1001, DimOp::kConstant), std::vector<int64_t>(1001))}));

// y = linear(x) [batch, 3], z = reshape(y, [3 * batch]), with x [batch, 4] and batch in [min, max].
struct DynamicModelOptions {
  int64_t min = 1, max = 8;
  std::vector<int8_t> x_dim0_ops = {1};  // symbol 0
  std::vector<int64_t> x_dim0_values = {0};
  std::vector<int8_t> z_ops = {0, 1, 3};  // 3 * batch: constant 3, symbol 0, mul
  std::vector<int64_t> z_values = {3, 0, 0};
  bool weight_is_symbolic = false;
  bool attribute_exprs_mismatch = false;
  bool no_symbols = false;
  size_t x_dims = 2;
};

std::vector<uint8_t> build_dynamic_model(const DynamicModelOptions& o = {}) {
  namespace fb = ::wasm_torch::schema;
  flatbuffers::FlatBufferBuilder b;
  auto dim = [&](std::vector<int8_t> ops, std::vector<int64_t> values) { return fb::CreateDimExprDirect(b, &ops, &values); };
  auto batch = [&] { return dim({1}, {0}); };
  auto fixed = [&] { return dim({}, {}); };
  std::vector<flatbuffers::Offset<fb::DimExpr>> x_dims = {dim(o.x_dim0_ops, o.x_dim0_values), fixed()};
  x_dims.resize(o.x_dims, fixed());
  std::vector<flatbuffers::Offset<fb::DimExpr>> y_dims = {batch(), fixed()};
  std::vector<flatbuffers::Offset<fb::DimExpr>> z_dims = {dim(o.z_ops, o.z_values)};
  std::vector<flatbuffers::Offset<fb::DimExpr>> w_dims = {batch(), fixed()};
  std::vector<int64_t> xs = {2, 4}, ws = {3, 4}, bs = {3}, ys = {2, 3}, zs = {6};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, "x", fb::DType_float32, &xs, -1, &x_dims),
      fb::CreateTensorDirect(b, "weight", fb::DType_float32, &ws, 0, o.weight_is_symbolic ? &w_dims : nullptr),
      fb::CreateTensorDirect(b, "bias", fb::DType_float32, &bs, 1),
      fb::CreateTensorDirect(b, "y", fb::DType_float32, &ys, -1, &y_dims),
      fb::CreateTensorDirect(b, "z", fb::DType_float32, &zs, -1, &z_dims)};
  std::vector<int64_t> shape_attr = {6};
  std::vector<flatbuffers::Offset<fb::DimExpr>> shape_exprs = {dim(o.z_ops, o.z_values)};
  if (o.attribute_exprs_mismatch) shape_exprs.push_back(fixed());
  std::vector<flatbuffers::Offset<fb::Attribute>> linear_attrs = {
      fb::CreateAttributeDirect(b, "activation", fb::AttrKind_string, 0, 0, nullptr, nullptr, "none")};
  std::vector<flatbuffers::Offset<fb::Attribute>> reshape_attrs = {
      fb::CreateAttributeDirect(b, "shape", fb::AttrKind_ints, 0, 0, &shape_attr, nullptr, nullptr, &shape_exprs)};
  std::vector<int32_t> in0 = {0, 1, 2}, out0 = {3}, in1 = {3}, out1 = {4};
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {
      fb::CreateNodeDirect(b, "linear", &in0, &out0, &linear_attrs, "fc"),
      fb::CreateNodeDirect(b, "reshape", &in1, &out1, &reshape_attrs, "flatten")};
  std::vector<fb::Segment> segments = {fb::Segment(0, 48), fb::Segment(64, 12)};
  std::vector<int32_t> inputs = {0}, outputs = {4};
  std::vector<flatbuffers::Offset<fb::Symbol>> symbols = {fb::CreateSymbolDirect(b, "batch", o.min, o.max)};
  b.Finish(fb::CreateModelDirect(b, &tensors, &nodes, &inputs, &outputs, &segments, nullptr, "cpp-test",
                                 o.no_symbols ? nullptr : &symbols),
           "WTFB");
  return testing::assemble_file(b, testing::tiny_linear_weights());
}

class DynamicModelTest : public ::testing::Test {
 protected:
  void SetUp() override { runtime_ = wt_runtime_create(2); }
  void TearDown() override { wt_runtime_destroy(runtime_); }

  wt_model* load(const std::vector<uint8_t>& file) {
    void* buf = wt_alloc(file.size());
    std::memcpy(buf, file.data(), file.size());
    return wt_model_load(runtime_, buf, file.size());
  }

  // Runs batch rows x[r] = (r + 1) * [1, 2, 3, 4] and checks z against W x + b.
  void expect_runs(wt_model* m, int64_t batch) {
    std::vector<float> x(static_cast<size_t>(batch * 4));
    for (size_t k = 0; k < x.size(); ++k) x[k] = float(k / 4 + 1) * float(k % 4 + 1);
    const int64_t shape[2] = {batch, 4};
    ASSERT_EQ(wt_model_set_input(m, 0, x.data(), x.size() * 4, 0, 2, shape), 1) << wt_last_error();
    ASSERT_EQ(wt_model_forward(m), 1) << wt_last_error();
    ASSERT_EQ(wt_model_tensor_rank(m, 1, 0), 1);
    EXPECT_EQ(wt_model_tensor_shape(m, 1, 0)[0], 3 * batch);
    EXPECT_EQ(wt_model_tensor_bytes(m, 1, 0), static_cast<size_t>(12 * batch));
    const float* z = static_cast<const float*>(wt_model_output_data(m, 0));
    for (int64_t r = 0; r < batch; ++r)
      for (int i = 0; i < 3; ++i) {
        float want = float(i + 1);
        for (int j = 0; j < 4; ++j) want += (float(i) + float(j) / 10.f) * float(r + 1) * float(j + 1);
        EXPECT_NEAR(z[r * 3 + i], want, 1e-4) << "batch " << batch << " row " << r << " col " << i;
      }
  }

  void expect_rejected(const std::vector<uint8_t>& file, const std::string& expected) {
    EXPECT_EQ(load(file), nullptr);
    EXPECT_NE(std::string(wt_last_error()).find(expected), std::string::npos) << wt_last_error();
    wt_model* good = load(build_dynamic_model());
    ASSERT_NE(good, nullptr) << wt_last_error();
    expect_runs(good, 3);
    wt_model_destroy(good);
  }

  wt_runtime* runtime_ = nullptr;
};

TEST_F(DynamicModelTest, RunsEveryBatchInBoundsFromOneFile) {
  wt_model* m = load(build_dynamic_model());
  ASSERT_NE(m, nullptr) << wt_last_error();
  EXPECT_EQ(wt_model_symbol_count(m), 1);
  EXPECT_STREQ(wt_model_symbol_name(m, 0), "batch");
  EXPECT_EQ(wt_model_symbol_bound(m, 0, 0), 1);
  EXPECT_EQ(wt_model_symbol_bound(m, 0, 1), 8);
  EXPECT_STREQ(wt_model_tensor_dim_name(m, 0, 0, 0), "batch");
  EXPECT_EQ(wt_model_tensor_dim_name(m, 0, 0, 1), nullptr);
  EXPECT_STREQ(wt_model_tensor_dim_name(m, 1, 0, 0), "3*batch");
  for (int64_t batch : {1, 2, 5, 8, 2, 1}) expect_runs(m, batch);
  EXPECT_EQ(wt_model_plan_count(m), 4);  // 2 (the example), 1, 5, 8: a shape seen before plans nothing
  wt_model_destroy(m);
}

TEST_F(DynamicModelTest, KeepsTheMostRecentPlansOnly) {
  wt_model* m = load(build_dynamic_model({.min = 1, .max = 64}));
  ASSERT_NE(m, nullptr) << wt_last_error();
  const size_t example_arena = wt_model_arena_bytes(m);
  for (int64_t batch = 1; batch <= 20; ++batch) expect_runs(m, batch);
  EXPECT_EQ(wt_model_plan_count(m), 8);
  const size_t largest_arena = wt_model_arena_bytes(m);
  EXPECT_GT(largest_arena, example_arena);  // grown to batch 20's plan ...
  expect_runs(m, 3);                        // evicted, planned again
  expect_runs(m, 20);
  EXPECT_EQ(wt_model_arena_bytes(m), largest_arena);  // ... and shared: plans do not add up
  wt_model_destroy(m);
}

TEST_F(DynamicModelTest, ShapesOutOfBoundsOrStaticAxesChangedAreClearErrors) {
  wt_model* m = load(build_dynamic_model({.min = 2, .max = 4}));
  ASSERT_NE(m, nullptr) << wt_last_error();
  std::vector<float> x(40, 1.f);
  const int64_t too_big[2] = {9, 4}, too_small[2] = {1, 4}, wrong_features[2] = {2, 5};
  EXPECT_EQ(wt_model_set_input(m, 0, x.data(), 36 * 4, 0, 2, too_big), 0);
  EXPECT_NE(std::string(wt_last_error()).find("dimension 0 ('batch') is 9, outside the exported range [2, 4]"),
            std::string::npos)
      << wt_last_error();
  EXPECT_EQ(wt_model_set_input(m, 0, x.data(), 4 * 4, 0, 2, too_small), 0);
  EXPECT_EQ(wt_model_set_input(m, 0, x.data(), 10 * 4, 0, 2, wrong_features), 0);
  EXPECT_NE(std::string(wt_last_error()).find("expects float32[batch, 4]"), std::string::npos) << wt_last_error();
  expect_runs(m, 3);
  wt_model_destroy(m);
}

TEST_F(DynamicModelTest, AShapeTheGraphCannotTakeFailsAtForwardAndTheModelKeepsWorking) {
  // z is declared [batch + 4], which is the reshape's 3 * batch elements only at batch 2 (the example).
  DynamicModelOptions o;
  o.z_values = {0, 4, 0};
  o.z_ops = {1, 0, 2};
  wt_model* m = load(build_dynamic_model(o));
  ASSERT_NE(m, nullptr) << wt_last_error();
  std::vector<float> x(12, 1.f);
  const int64_t shape[2] = {3, 4};
  ASSERT_EQ(wt_model_set_input(m, 0, x.data(), x.size() * 4, 0, 2, shape), 1);
  EXPECT_EQ(wt_model_forward(m), 0);
  EXPECT_NE(std::string(wt_last_error()).find("cannot run on inputs [3, 4]"), std::string::npos) << wt_last_error();
  const int64_t example[2] = {2, 4};
  ASSERT_EQ(wt_model_set_input(m, 0, x.data(), 8 * 4, 0, 2, example), 1);
  EXPECT_EQ(wt_model_forward(m), 1) << wt_last_error();
  wt_model_destroy(m);
}

TEST_F(DynamicModelTest, RejectsHostileSymbolicParts) {
  expect_rejected(build_dynamic_model({.min = 5, .max = 2}), "invalid bounds");
  expect_rejected(build_dynamic_model({.min = -1}), "invalid bounds");
  expect_rejected(build_dynamic_model({.weight_is_symbolic = true}), "constant tensor 'weight' has a symbolic shape");
  expect_rejected(build_dynamic_model({.attribute_exprs_mismatch = true}), "do not match its ints");
  expect_rejected(build_dynamic_model({.x_dims = 3}), "symbolic dims for rank");
  DynamicModelOptions derived_only;  // x's dim is 2 * batch: no input axis gives batch's value
  derived_only.x_dim0_ops = {0, 1, 3};
  derived_only.x_dim0_values = {2, 0, 0};
  expect_rejected(build_dynamic_model(derived_only), "is not the dimension of any input axis");
  DynamicModelOptions bad_symbol;
  bad_symbol.z_values = {3, 7, 0};
  expect_rejected(build_dynamic_model(bad_symbol), "refers to symbol 7");
  DynamicModelOptions no_symbols;  // expressions but no symbols: the reshape's refers to symbol 0
  no_symbols.no_symbols = true;
  expect_rejected(build_dynamic_model(no_symbols), "refers to symbol 0");
}

}  // namespace
}  // namespace wt
