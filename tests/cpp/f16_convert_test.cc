// Half to float: every finite half, SIMD128 against the reference bit for bit and the reference
// against an independent decoding; every tail length.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "api/wasm_torch.h"
#include "kernels/f16_convert.h"
#include "kernels/kernel_table.h"
#include "model_builder.h"
#include "one_node_runner.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::decode_half;
using testing::random_vector;

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

TEST(F16ToF32, EveryFiniteHalfExactly) {
  std::vector<uint16_t> halves;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if (((h >> 10) & 0x1f) != 0x1f) halves.push_back(static_cast<uint16_t>(h));  // inf and NaN are never written
  }
  std::vector<float> scalar(halves.size()), simd(halves.size());
  f16_to_f32_scalar(halves.size(), halves.data(), scalar.data());
  build_kernels().f16_to_f32(halves.size(), halves.data(), simd.data());
  for (size_t i = 0; i < halves.size(); ++i) {
    ASSERT_EQ(bits_of(simd[i]), bits_of(scalar[i])) << std::hex << halves[i];
    ASSERT_EQ(static_cast<double>(scalar[i]), decode_half(halves[i])) << std::hex << halves[i];
    ASSERT_EQ(std::signbit(scalar[i]), (halves[i] & 0x8000) != 0) << std::hex << halves[i];  // -0 stays -0
  }
}

TEST(F16ToF32, EveryTailLengthAndNothingPastIt) {
  for (size_t n = 0; n <= 20; ++n) {
    std::vector<uint16_t> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<uint16_t>(0x3c00 + i * 97);  // 1.0 upwards
    std::vector<float> scalar(n + 3, -7.f), simd(n + 3, -7.f);
    f16_to_f32_scalar(n, x.data(), scalar.data());
    build_kernels().f16_to_f32(n, x.data(), simd.data());
    EXPECT_EQ(scalar, simd) << n;
    for (size_t i = n; i < n + 3; ++i) EXPECT_EQ(simd[i], -7.f) << "wrote past " << n;
  }
}

// A linear whose [N, K] weight is float16 runs on the weight expanded at load: the same output as
// the float32 weight holding the same values.
TEST(F16ToF32, LinearHalfWeightsExpandAtLoad) {
  const int64_t n = 5, k = 19;
  std::vector<uint16_t> half(static_cast<size_t>(n * k));
  for (size_t i = 0; i < half.size(); ++i) half[i] = static_cast<uint16_t>(0x3000 + (i * 131) % 0x0c00 + (i % 2) * 0x8000);
  std::vector<float> as_float(half.size());
  f16_to_f32_scalar(half.size(), half.data(), as_float.data());
  std::vector<float> outputs[2];
  for (int use_half = 0; use_half < 2; ++use_half) {
    testing::OneNodeModel m;
    m.op = "linear";
    m.input_shape = {2, k};
    m.output_shape = {2, n};
    m.constants.push_back(use_half ? testing::OneNodeModel::Constant{{n, k}, {}, {}, false, half}
                                   : testing::OneNodeModel::Constant{{n, k}, as_float});
    const std::vector<uint8_t> file = testing::build_one_node_model(m);
    wt_runtime* rt = wt_runtime_create(1);
    void* buf = wt_alloc(file.size());
    std::memcpy(buf, file.data(), file.size());
    wt_model* model = wt_model_load(rt, buf, file.size());
    ASSERT_NE(model, nullptr) << wt_last_error();
    std::vector<float> x(static_cast<size_t>(2 * k));
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.25f * static_cast<float>(i % 7) - 0.5f;
    ASSERT_TRUE(wt_model_set_input(model, 0, x.data(), x.size() * 4, 0, 2, m.input_shape.data()));
    ASSERT_TRUE(wt_model_forward(model)) << wt_last_error();
    const auto* y = static_cast<const float*>(wt_model_output_data(model, 0));
    outputs[use_half].assign(y, y + 2 * n);
    wt_model_destroy(model);
    wt_runtime_destroy(rt);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}

// A batch-1 linear whose panels32 weight is float16 streams it in half (f32_f16w_gemm_1x32): the
// same output as the float32 panels32 weight holding the same values, bit for bit in the full
// 32-column groups (the rebias is a power of two and the sums run in the same order; the float
// path's narrow last group sums in another order), for 1 and 3 rows, 37 columns, a bias and a relu, at 1 and 2 threads, with this build's kernels and the references;
// rows of 2^16 and beyond too (scaled down by another power of two).
TEST(F16wLinear, Panels32HalfWeightsStreamAsTheFloatOnes) {
  const int64_t n = 37, k = 45, groups = (n + 31) / 32;
  std::vector<uint16_t> half(static_cast<size_t>(groups * k * 32), 0);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < 32 && g * 32 + j < n; ++j) {
        const auto i = static_cast<size_t>((g * k + p) * 32 + j);
        const uint32_t magnitude = i % 7 == 0 ? 0 : 0x0400 + (i * 2654435761u >> 7) % 0x3800;  // zeros, normals below 1
        half[i] = static_cast<uint16_t>(magnitude + (i % 3 == 0) * 0x8000);
      }
  std::vector<float> as_float(half.size());
  f16_to_f32_scalar(half.size(), half.data(), as_float.data());
  const std::vector<float> bias = random_vector(static_cast<size_t>(n), 7);
  for (const int64_t rows : {1, 3}) {
    for (const float x_scale : {1.f, 1e6f}) {
      std::vector<float> x = random_vector(static_cast<size_t>(rows * k), 8, -x_scale, x_scale);
      std::vector<std::vector<float>> outputs[2];
      for (int use_half = 0; use_half < 2; ++use_half) {
        testing::OneNodeModel m;
        m.op = "linear";
        m.input_shape = {rows, k};
        m.output_shape = {rows, n};
        m.constants.push_back(use_half ? testing::OneNodeModel::Constant{{groups, k, 32}, {}, {}, false, half}
                                       : testing::OneNodeModel::Constant{{groups, k, 32}, as_float});
        m.constants.push_back({{n}, bias});
        m.attrs = {{"weight_layout", {}, "panels32"}, {"out_features", {n}, "", true}, {"activation", {}, "relu"}};
        for (const int threads : {1, 2}) {
          for (auto& y : testing::run_one_node(m, x, threads, true)) outputs[use_half].push_back(std::move(y));
        }
      }
      ASSERT_EQ(outputs[1].size(), 4u);
      for (size_t run = 0; run < 4; ++run) {
        ASSERT_EQ(outputs[1][run].size(), static_cast<size_t>(rows * n));
        for (size_t i = 0; i < outputs[1][run].size(); ++i) {
          const float got = outputs[1][run][i], expected = outputs[0][run][i];
          if (static_cast<int64_t>(i) % n < 32) {
            ASSERT_EQ(got, expected) << rows << " rows x " << x_scale << ", run " << run << ", output " << i;
          } else {
            ASSERT_NEAR(got, expected, 1e-6 * x_scale * k) << rows << " rows x " << x_scale << ", output " << i;
          }
        }
      }
    }
  }
}

// Weights holding a subnormal half are expanded at load instead of streamed (x86 multiplies float
// subnormals through a microcode assist): the model's weight bytes say which, and both compute the
// same.
TEST(F16wLinear, WeightsWithSubnormalsAreExpandedInstead) {
  const int64_t k = 40;
  std::vector<uint16_t> half(static_cast<size_t>(k * 32), 0x3400);  // 0.25
  std::vector<float> x(static_cast<size_t>(k), 1.f);
  std::vector<float> outputs[2];
  for (int with_subnormal = 0; with_subnormal < 2; ++with_subnormal) {
    half[7] = with_subnormal ? 0x8001 : 0x0400;  // -2^-24, or 2^-14
    testing::OneNodeModel m;
    m.op = "linear";
    m.input_shape = {1, k};
    m.output_shape = {1, 32};
    m.constants.push_back(testing::OneNodeModel::Constant{{1, k, 32}, {}, {}, false, half});
    m.attrs = {{"weight_layout", {}, "panels32"}, {"out_features", {32}, "", true}};
    wt_runtime* rt = wt_runtime_create(1);
    wt_model* model = testing::load_one_node(rt, m);
    ASSERT_NE(model, nullptr) << wt_last_error();
    EXPECT_EQ(wt_model_weight_bytes(model), half.size() * (with_subnormal ? 6 : 2)) << with_subnormal;
    wt_model_destroy(model);
    wt_runtime_destroy(rt);
    outputs[with_subnormal] = testing::run_one_node(m, x, 1, false).at(0);
  }
  EXPECT_EQ(outputs[0][0], 0.25f * static_cast<float>(k));
  EXPECT_EQ(outputs[1][7], 0.25f * static_cast<float>(k - 1) - 0x1p-24f);
  EXPECT_EQ(outputs[0][7], 0.25f * static_cast<float>(k - 1) + 0x1p-14f);
}

// Streamed half weights with an infinity or a NaN (which the streaming conversion would not keep)
// fail the load with the reason.
TEST(F16wLinear, RejectsInfinitiesAndNans) {
  for (const uint16_t poison : {0x7c00, 0xfc00, 0x7e00, 0xfe01}) {
    testing::OneNodeModel m;
    m.op = "linear";
    m.input_shape = {1, 4};
    m.output_shape = {1, 3};
    std::vector<uint16_t> half(static_cast<size_t>(4 * 32), 0x3c00);
    half[5] = poison;
    m.constants.push_back(testing::OneNodeModel::Constant{{1, 4, 32}, {}, {}, false, half});
    m.attrs = {{"weight_layout", {}, "panels32"}, {"out_features", {3}, "", true}};
    wt_runtime* rt = wt_runtime_create(1);
    EXPECT_EQ(testing::load_one_node(rt, m), nullptr);
    EXPECT_NE(std::string(wt_last_error()).find("holds an infinity or NaN at element 5"), std::string::npos)
        << wt_last_error();
    wt_runtime_destroy(rt);
  }
}

}  // namespace
}  // namespace wt
