// The dynamically quantized GEMM (qd8_gemm.h): row quantization and tiles, SIMD128 against the
// scalar reference bit for bit and the reference against exact integer sums; then the
// dynamic_quantized_linear op end to end through the C ABI against a double-precision model of
// what it computes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

#include "api/wasm_torch.h"
#include "kernels/kernel_table.h"
#include "kernels/qd8_gemm.h"
#include "kernels/simd128.h"
#include "model_builder.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// The quantization the op promises, computed independently: symmetric, scale max|x| / 127.
std::vector<int16_t> quantize_ref(const std::vector<float>& x, size_t kp, float* scale) {
  float amax = 0.f;
  for (float v : x) amax = std::fmax(amax, std::fabs(v));
  *scale = amax / 127.f;
  std::vector<int16_t> q(kp, 0);
  for (size_t i = 0; i < x.size() && amax > 0; ++i) q[i] = static_cast<int16_t>(std::nearbyint(x[i] * (127.f / amax)));
  return q;
}

std::vector<int8_t> random_int8(size_t n, uint32_t seed) {
  std::vector<int8_t> v(n);
  const auto f = random_vector(n, seed);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(std::lround(f[i] * 127.f));
  return v;
}

// --- row quantization --------------------------------------------------------------------------
class Qd8QuantizeRowTest : public ::testing::TestWithParam<size_t> {};

TEST_P(Qd8QuantizeRowTest, SimdMatchesScalarAndReference) {
  const size_t k = GetParam(), kp = qd8_padded_k(k);
  auto x = random_vector(k, static_cast<uint32_t>(k), -3.f, 3.f);
  std::vector<int16_t> scalar(kp, 99), simd(kp, 77);
  const float s_scalar = qd8_quantize_row_scalar(k, kp, x.data(), scalar.data());
  const float s_simd = build_kernels().qd8_quantize_row(k, kp, x.data(), simd.data());
  EXPECT_EQ(s_scalar, s_simd);
  EXPECT_EQ(scalar, simd);
  float s_ref;
  EXPECT_EQ(scalar, quantize_ref(x, kp, &s_ref));
  EXPECT_EQ(s_scalar, s_ref);
}

INSTANTIATE_TEST_SUITE_P(Lengths, Qd8QuantizeRowTest, ::testing::Values(1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 100, 384));

TEST(Qd8QuantizeRow, RoundsTiesToEvenAndPadsWithZeros) {
  // amax 127: the scale is 1, so x quantizes to nearest-even(x).
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -127.f, 127.f};
  const std::vector<int16_t> expected = {0, 2, 2, 0, -2, -2, 126, -127, 127, 0, 0, 0, 0, 0, 0, 0};
  for (auto fn : {&qd8_quantize_row_scalar, build_kernels().qd8_quantize_row}) {
    std::vector<int16_t> q(16, 5);
    EXPECT_EQ(fn(x.size(), 16, x.data(), q.data()), 1.f);
    EXPECT_EQ(q, expected);
  }
}

TEST(Qd8QuantizeRow, ZeroRowHasScaleZeroNonFiniteRowHasNaN) {
  for (auto fn : {&qd8_quantize_row_scalar, build_kernels().qd8_quantize_row}) {
    std::vector<float> x(20, 0.f);
    std::vector<int16_t> q(32, 5);
    EXPECT_EQ(fn(20, 32, x.data(), q.data()), 0.f);
    EXPECT_EQ(q, std::vector<int16_t>(32, 0));
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      for (size_t at : {0, 5, 19}) {
        x.assign(20, 1.f);
        x[at] = bad;
        EXPECT_TRUE(std::isnan(fn(20, 32, x.data(), q.data()))) << bad << " at " << at;
      }
    }
  }
}

// --- tiles: every partial shape and output mode --------------------------------------------------
struct Tile {
  const char* name;
  size_t max_rows, max_cols;
  Qd8GemmFn fn;
};

std::vector<Tile> simd_tiles() {
  return {{"2x4", kQd8Mr, kQd8Nr, build_kernels().qd8_gemm_2x4}, {"1x8", 1, kQd8RowNr, build_kernels().qd8_gemm_1x8}};
}

class Qd8TileTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, bool, bool, int>> {};

TEST_P(Qd8TileTest, SimdMatchesScalarAndExactSums) {
  const auto [shape, k, with_bias, accumulate, act] = GetParam();
  const size_t kp = qd8_padded_k(k), lda = kp + 16, ldw = kp + 32, ldc = 11;
  std::vector<int16_t> a(kQd8Mr * lda);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int16_t>(static_cast<int>((i * 37 + 11) % 255) - 127);
  for (size_t r = 0; r < kQd8Mr; ++r) std::fill(a.begin() + r * lda + k, a.begin() + r * lda + kp, 0);
  auto w = random_int8(kQd8RowNr * ldw, 3);
  for (size_t c = 0; c < kQd8RowNr; ++c) std::fill(w.begin() + c * ldw + k, w.begin() + c * ldw + kp, 0);
  const auto a_scale = random_vector(kQd8Mr, 4, 0.001f, 0.1f), w_scale = random_vector(kQd8RowNr, 5, 0.001f, 0.1f);
  const auto bias = random_vector(kQd8RowNr, 6);
  Qd8Output out{a_scale.data(), w_scale.data(), with_bias ? bias.data() : nullptr, accumulate, {}};
  if (act == 1) out.minmax = {0.f, std::numeric_limits<float>::infinity()};
  if (act == 2) out.minmax = {-0.5f, 0.5f};
  const auto c0 = random_vector(kQd8Mr * ldc, 7);
  for (const Tile& tile : simd_tiles()) {
    if (!WT_HAVE_SIMD128) GTEST_SKIP() << "this build has no SIMD128 kernels";
    // Every shape the tile takes: shape enumerates (rows, cols) pairs up to its maximum.
    const size_t rows = 1 + shape % tile.max_rows, cols = 1 + shape / tile.max_rows % tile.max_cols;
    auto scalar = c0, simd = c0;
    qd8_f32_qc8w_gemm_scalar(rows, cols, kp, a.data(), lda, w.data(), ldw, scalar.data(), ldc, out);
    tile.fn(rows, cols, kp, a.data(), lda, w.data(), ldw, simd.data(), ldc, out);
    for (size_t r = 0; r < kQd8Mr; ++r) {
      for (size_t c = 0; c < ldc; ++c) {
        const size_t i = r * ldc + c;
        ASSERT_EQ(simd[i], scalar[i]) << tile.name << " " << rows << "x" << cols << " at row " << r << " col " << c;
        if (r >= rows || c >= cols) {
          ASSERT_EQ(scalar[i], c0[i]) << "wrote outside the tile at row " << r << " col " << c;
          continue;
        }
        int64_t sum = 0;
        for (size_t j = 0; j < kp; ++j) sum += int64_t{a[r * lda + j]} * w[c * ldw + j];
        double v = double(sum) * a_scale[r] * w_scale[c] + (with_bias ? bias[c] : 0.0) + (accumulate ? c0[i] : 0.0);
        v = testing::clamp_ref(v, out.minmax);
        ASSERT_NEAR(scalar[i], v, 1e-5 * (1 + std::fabs(v))) << "row " << r << " col " << c;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Qd8TileTest,
                         ::testing::Combine(::testing::Range<size_t>(0, 8), ::testing::Values(1, 15, 16, 17, 64, 200),
                                            ::testing::Bool(), ::testing::Bool(), ::testing::Values(0, 1, 2)));

// The largest sums: every product 127 x 127 (or -127 x 127) over a long row stays exact.
TEST(Qd8Tile, ExtremeValuesSumExactly) {
  const size_t kp = 4096;
  std::vector<int16_t> a(2 * kp, 127);
  std::fill(a.begin() + kp, a.end(), -127);
  std::vector<int8_t> w(4 * kp, 127);
  std::vector<float> scalar(8), simd(8), row(8);
  const std::vector<float> scales(8, 1.f);
  const Qd8Output out{scales.data(), scales.data()};
  qd8_f32_qc8w_gemm_scalar(2, 4, kp, a.data(), kp, w.data(), kp, scalar.data(), 4, out);
  build_kernels().qd8_gemm_2x4(2, 4, kp, a.data(), kp, w.data(), kp, simd.data(), 4, out);
  EXPECT_EQ(scalar, simd);
  EXPECT_EQ(scalar[0], 127.f * 127.f * kp);
  EXPECT_EQ(scalar[4], -127.f * 127.f * kp);
  std::vector<int8_t> w8(8 * kp, -127);
  build_kernels().qd8_gemm_1x8(1, 8, kp, a.data(), kp, w8.data(), kp, row.data(), 8, out);
  EXPECT_EQ(row, std::vector<float>(8, -127.f * 127.f * kp));
}

// --- the op through the C ABI --------------------------------------------------------------------
struct LinearCase {
  size_t m, k, n;
  bool bias, residual;
  const char* activation;
};

class DynamicQuantizedLinearOpTest : public ::testing::TestWithParam<LinearCase> {};

TEST_P(DynamicQuantizedLinearOpTest, MatchesQuantizedReference) {
  const LinearCase c = GetParam();
  const size_t kp = qd8_padded_k(c.k);
  const auto x = random_vector(c.m * c.k, 1, -2.f, 2.f);
  auto wq = random_int8(c.n * kp, 2);
  for (size_t j = 0; j < c.n; ++j) std::fill(wq.begin() + j * kp + c.k, wq.begin() + (j + 1) * kp, 0);
  const auto w_scale = random_vector(c.n, 3, 0.001f, 0.05f), bias = random_vector(c.n, 4);
  const auto residual = random_vector(c.m * c.n, 5);

  testing::OneNodeModel model;
  model.op = "dynamic_quantized_linear";
  model.input_shape = {int64_t(c.m), int64_t(c.k)};
  model.output_shape = {int64_t(c.m), int64_t(c.n)};
  model.constants.push_back({{int64_t(c.n), int64_t(kp)}, {}, wq});
  model.constants.push_back({{int64_t(c.n)}, bias, {}, !c.bias});
  model.constants.push_back({{int64_t(c.m), int64_t(c.n)}, residual, {}, !c.residual});
  model.constants.push_back({{int64_t(c.n)}, w_scale});
  model.attrs = {{"in_features", {int64_t(c.k)}, "", true}, {"activation", {}, c.activation, false}};

  wt_runtime* rt = wt_runtime_create(2);
  const std::vector<uint8_t> file = testing::build_one_node_model(model);
  void* buf = wt_alloc(file.size());
  std::memcpy(buf, file.data(), file.size());
  wt_model* loaded = wt_model_load(rt, buf, file.size());
  ASSERT_NE(loaded, nullptr) << wt_last_error();
  ASSERT_TRUE(wt_model_set_input(loaded, 0, x.data(), x.size() * 4, 0, 2, model.input_shape.data()));
  ASSERT_TRUE(wt_model_forward(loaded)) << wt_last_error();
  const auto* y = static_cast<const float*>(wt_model_output_data(loaded, 0));
  for (size_t r = 0; r < c.m; ++r) {
    float x_scale;
    const auto xq = quantize_ref(std::vector<float>(x.begin() + r * c.k, x.begin() + (r + 1) * c.k), kp, &x_scale);
    for (size_t j = 0; j < c.n; ++j) {
      int64_t sum = 0;
      for (size_t i = 0; i < kp; ++i) sum += int64_t{xq[i]} * wq[j * kp + i];
      double v = double(sum) * x_scale * w_scale[j] + (c.bias ? bias[j] : 0.0) + (c.residual ? residual[r * c.n + j] : 0.0);
      if (std::strcmp(c.activation, "relu") == 0) v = std::fmax(v, 0.0);
      if (std::strcmp(c.activation, "gelu") == 0) v = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      ASSERT_NEAR(y[r * c.n + j], v, 1e-5 * (1 + std::fabs(v))) << "row " << r << " col " << j;
    }
  }
  wt_model_destroy(loaded);
  wt_runtime_destroy(rt);
}

INSTANTIATE_TEST_SUITE_P(Shapes, DynamicQuantizedLinearOpTest,
                         ::testing::Values(LinearCase{1, 5, 1, true, false, "none"},
                                           LinearCase{1, 384, 1536, true, false, "gelu"},
                                           LinearCase{3, 16, 7, false, true, "none"},
                                           LinearCase{5, 70, 33, true, true, "relu"},
                                           LinearCase{64, 100, 9, true, false, "relu"},
                                           LinearCase{2, 17, 4, false, false, "gelu"},
                                           LinearCase{1, 33, 13, true, true, "relu"}));

// Wrong weights are a load error naming the problem, and the runtime keeps working.
TEST(DynamicQuantizedLinearOp, RejectsInconsistentWeights) {
  struct Bad {
    std::vector<int64_t> w_shape;
    int64_t scales, in_features;
    const char* message;
  };
  for (const Bad& bad : {Bad{{3, 20}, 3, 20, "not [N, K rounded up to 16]"}, Bad{{3, 32}, 2, 20, "one per output"},
                         Bad{{3, 32}, 3, 21, "do not match in_features"}}) {
    testing::OneNodeModel model;
    model.op = "dynamic_quantized_linear";
    model.input_shape = {1, 20};
    model.output_shape = {1, 3};
    model.constants.push_back({bad.w_shape, {}, std::vector<int8_t>(size_t(bad.w_shape[0] * bad.w_shape[1]), 1)});
    model.constants.push_back({{3}, {0, 0, 0}, {}, true});
    model.constants.push_back({{1, 3}, {0, 0, 0}, {}, true});
    model.constants.push_back({{bad.scales}, std::vector<float>(size_t(bad.scales), 1.f)});
    model.attrs = {{"in_features", {bad.in_features}, "", true}};
    wt_runtime* rt = wt_runtime_create(1);
    const std::vector<uint8_t> file = testing::build_one_node_model(model);
    void* buf = wt_alloc(file.size());
    std::memcpy(buf, file.data(), file.size());
    EXPECT_EQ(wt_model_load(rt, buf, file.size()), nullptr);
    EXPECT_NE(std::string(wt_last_error()).find(bad.message), std::string::npos) << wt_last_error();
    wt_runtime_destroy(rt);
  }
}

}  // namespace
}  // namespace wt
