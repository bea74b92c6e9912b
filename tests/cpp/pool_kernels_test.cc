// Pooling kernels (max with and without indices, average, adaptive) against references.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/f32_pool2d.h"
#include "kernels/simd128.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// --- pooling ---------------------------------------------------------------------------------
TEST(Pool2dTest, MaxPoolWithPaddingAndDilationMatchesReference) {
  const size_t h = 7, w = 6;
  auto in = random_vector(2 * h * w, 7);
  const Pool2dGeometry g{h, w, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, true, 0};
  std::vector<float> out(2 * 4 * 3);
  f32_maxpool2d_nchw_scalar(g, in.data(), out.data(), 0, 2);
  for (size_t p = 0; p < 2; ++p)
    for (size_t oy = 0; oy < 4; ++oy)
      for (size_t ox = 0; ox < 3; ++ox) {
        float m = -std::numeric_limits<float>::infinity();
        for (long y = long(oy * 2) - 1; y < long(oy * 2) + 2; ++y)
          for (long x = long(ox * 2) - 1; x < long(ox * 2) + 2; ++x)
            if (y >= 0 && x >= 0 && y < long(h) && x < long(w)) m = std::max(m, in[p * h * w + y * w + x]);
        ASSERT_EQ(out[(p * 4 + oy) * 3 + ox], m);
      }
}

class MaxPoolIndicesTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, size_t>> {};

TEST_P(MaxPoolIndicesTest, MatchesScanAndPlainKernel) {
  const auto [w, k, stride, pad, dilation] = GetParam();
  const size_t h = 6, span = (k - 1) * dilation + 1;
  if (pad > k / 2 || h + 2 * pad < span || w + 2 * pad < span) GTEST_SKIP() << "not a valid pooling";
  const size_t oh = (h + 2 * pad - span + stride - 1) / stride + 1, ow = (w + 2 * pad - span + stride - 1) / stride + 1;
  const Pool2dGeometry g{h, w, oh, ow, k, k, stride, stride, pad, pad, dilation, dilation, true, 0};
  auto in = random_vector(2 * h * w, 9);
  for (size_t i = 0; i < in.size(); i += 5) in[i] = 0.5f;  // ties
  in[h * w + 3] = std::nanf("");
  in[h * w + w + 4 < 2 * h * w ? h * w + w + 4 : 0] = std::nanf("");
  std::vector<float> values(2 * oh * ow), plain(values.size());
  std::vector<int64_t> indices(values.size(), -7);
  f32_maxpool2d_indices_nchw_scalar(g, in.data(), values.data(), indices.data(), 0, 1);
  f32_maxpool2d_indices_nchw_scalar(g, in.data(), values.data(), indices.data(), 1, 2);
  f32_maxpool2d_nchw_scalar(g, in.data(), plain.data(), 0, 2);
  for (size_t p = 0; p < 2; ++p)
    for (size_t oy = 0; oy < oh; ++oy)
      for (size_t ox = 0; ox < ow; ++ox) {
        float m = -std::numeric_limits<float>::infinity();
        int64_t at = -1;
        for (size_t ky = 0; ky < k; ++ky)
          for (size_t kx = 0; kx < k; ++kx) {
            const long y = long(oy * stride + ky * dilation) - long(pad), x = long(ox * stride + kx * dilation) - long(pad);
            if (y < 0 || x < 0 || y >= long(h) || x >= long(w)) continue;
            const float v = in[p * h * w + size_t(y) * w + size_t(x)];
            if (std::isnan(v) || (!std::isnan(m) && v > m)) m = v, at = y * long(w) + x;
          }
        const size_t o = (p * oh + oy) * ow + ox;
        ASSERT_EQ(indices[o], at) << p << "," << oy << "," << ox;
        ASSERT_TRUE(std::isnan(m) ? std::isnan(values[o]) && std::isnan(plain[o]) : values[o] == m && plain[o] == m);
      }
}

INSTANTIATE_TEST_SUITE_P(Shapes, MaxPoolIndicesTest,
                         ::testing::Combine(::testing::Values(1, 5, 9), ::testing::Values(1, 2, 3),
                                            ::testing::Values(1, 2), ::testing::Values(0, 1), ::testing::Values(1, 2)));

TEST(Pool2dTest, AdaptiveMaxPoolIndicesUsePyTorchWindows) {
  auto in = random_vector(2 * 5 * 7, 10);
  in[5 * 7 + 9] = std::nanf("");
  std::vector<float> values(2 * 3 * 4), plain(values.size());
  std::vector<int64_t> indices(values.size());
  f32_adaptive_maxpool2d_indices_nchw_scalar(5, 7, 3, 4, in.data(), values.data(), indices.data(), 0, 2);
  f32_adaptive_maxpool2d_nchw_scalar(5, 7, 3, 4, in.data(), plain.data(), 0, 2);
  for (size_t p = 0; p < 2; ++p)
    for (size_t oy = 0; oy < 3; ++oy)
      for (size_t ox = 0; ox < 4; ++ox) {
        const size_t y0 = oy * 5 / 3, y1 = ((oy + 1) * 5 + 2) / 3, x0 = ox * 7 / 4, x1 = ((ox + 1) * 7 + 3) / 4;
        float m = -std::numeric_limits<float>::infinity();
        int64_t at = -1;
        for (size_t y = y0; y < y1; ++y)
          for (size_t x = x0; x < x1; ++x) {
            const float v = in[p * 35 + y * 7 + x];
            if (std::isnan(v) || (!std::isnan(m) && v > m)) m = v, at = int64_t(y * 7 + x);
          }
        const size_t o = (p * 3 + oy) * 4 + ox;
        ASSERT_EQ(indices[o], at);
        ASSERT_TRUE(std::isnan(m) ? std::isnan(values[o]) && std::isnan(plain[o]) : values[o] == m && plain[o] == m);
      }
}

TEST(Pool2dTest, AvgPoolCountsPaddingOnlyWhenAsked) {
  const std::vector<float> in = {1, 2, 3, 4};  // 2x2
  for (bool include : {true, false}) {
    const Pool2dGeometry g{2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, include, 0};
    std::vector<float> out(4);
    f32_avgpool2d_nchw_scalar(g, in.data(), out.data(), 0, 1);
    EXPECT_FLOAT_EQ(out[0], include ? 1.f / 4 : 1.f);  // window covers only in[0]
    EXPECT_FLOAT_EQ(out[3], 10.f / 4);                 // window covers all four
    EXPECT_FLOAT_EQ(out[1], include ? 3.f / 4 : 1.5f);
  }
}

TEST(Pool2dTest, AdaptiveAvgPoolUsesPyTorchWindows) {
  auto in = random_vector(5 * 7, 8);
  std::vector<float> out(3 * 4);
  f32_adaptive_avgpool2d_nchw_scalar(5, 7, 3, 4, in.data(), out.data(), 0, 1);
  for (size_t oy = 0; oy < 3; ++oy)
    for (size_t ox = 0; ox < 4; ++ox) {
      const size_t y0 = oy * 5 / 3, y1 = ((oy + 1) * 5 + 2) / 3, x0 = ox * 7 / 4, x1 = ((ox + 1) * 7 + 3) / 4;
      double s = 0;
      for (size_t y = y0; y < y1; ++y)
        for (size_t x = x0; x < x1; ++x) s += in[y * 7 + x];
      ASSERT_NEAR(out[oy * 4 + ox], s / double((y1 - y0) * (x1 - x0)), 1e-6);
    }
}

TEST(Pool2dTest, AdaptiveMaxPoolUsesPyTorchWindows) {
  auto in = random_vector(2 * 5 * 7, 24);
  std::vector<float> out(2 * 3 * 4);
  f32_adaptive_maxpool2d_nchw_scalar(5, 7, 3, 4, in.data(), out.data(), 0, 2);
  for (size_t p = 0; p < 2; ++p)
    for (size_t oy = 0; oy < 3; ++oy)
      for (size_t ox = 0; ox < 4; ++ox) {
        const size_t y0 = oy * 5 / 3, y1 = ((oy + 1) * 5 + 2) / 3, x0 = ox * 7 / 4, x1 = ((ox + 1) * 7 + 3) / 4;
        float m = -INFINITY;
        for (size_t y = y0; y < y1; ++y)
          for (size_t x = x0; x < x1; ++x) m = std::max(m, in[p * 35 + y * 7 + x]);
        ASSERT_EQ(out[(p * 3 + oy) * 4 + ox], m);
      }
}

}  // namespace
}  // namespace wt
