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

namespace wt {
namespace {

// sign x 2^(e - 15) x (1 + m / 1024), or x 2^-14 x (m / 1024) when e = 0.
double decode_half(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const double magnitude = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
}

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

}  // namespace
}  // namespace wt
