// Every kernel against its double-precision reference, over odd sizes, tails and strides.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "kernels/f32_conv2d.h"
#include "kernels/f32_elementwise.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_pool2d.h"
#include "kernels/f32_softmax.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// --- f32_gemm_nt_1x4_scalar ------------------------------------------------------------------
class GemmTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, bool, int>> {};

TEST_P(GemmTest, MatchesReference) {
  const auto [m, n, k, with_bias, act] = GetParam();
  const size_t lda = k + 3, ldb = k + 1, ldc = n + 2;  // strides wider than the rows
  auto a = random_vector(m * lda, 1), b = random_vector(n * ldb, 2), bias = random_vector(n, 3);
  F32MinMax mm;
  if (act >= 1) mm.min = 0.f;
  if (act == 2) mm.max = 0.25f;
  std::vector<float> c(m * ldc, -7.f);
  const F32GemmArgs args{m, n, k, a.data(), lda, b.data(), ldb, with_bias ? bias.data() : nullptr, c.data(), ldc, mm};
  f32_gemm_nt_1x4_scalar(args, 0, m / 2);
  f32_gemm_nt_1x4_scalar(args, m / 2, m);  // split ranges, as the thread pool does
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double acc = with_bias ? bias[j] : 0.0;
      for (size_t p = 0; p < k; ++p) acc += double(a[i * lda + p]) * b[j * ldb + p];
      ASSERT_NEAR(c[i * ldc + j], testing::clamp_ref(acc, mm), 1e-5 * (1 + k)) << i << "," << j;
    }
    for (size_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.f) << "wrote past the row";
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmTest,
                         ::testing::Combine(::testing::Values(1, 2, 5), ::testing::Values(1, 3, 4, 5, 8, 17),
                                            ::testing::Values(0, 1, 7, 64), ::testing::Bool(),
                                            ::testing::Values(0, 1, 2)));

// --- f32_conv2d_nchw_scalar --------------------------------------------------------------------
struct ConvCase {
  size_t n, cin, h, w, cout, kh, kw, stride, pad, dilation, groups;
};

class Conv2dTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dTest, MatchesReference) {
  const ConvCase c = GetParam();
  const size_t oh = (c.h + 2 * c.pad - c.dilation * (c.kh - 1) - 1) / c.stride + 1;
  const size_t ow = (c.w + 2 * c.pad - c.dilation * (c.kw - 1) - 1) / c.stride + 1;
  const Conv2dGeometry g{c.n, c.cin, c.h, c.w, c.cout, oh, ow, c.kh, c.kw, c.stride, c.stride,
                         c.pad, c.pad, c.dilation, c.dilation, c.groups};
  auto in = random_vector(c.n * c.cin * c.h * c.w, 4);
  auto w = random_vector(c.cout * (c.cin / c.groups) * c.kh * c.kw, 5);
  auto bias = random_vector(c.cout, 6);
  F32MinMax relu;
  relu.min = 0.f;
  std::vector<float> out(c.n * c.cout * oh * ow), ref(out.size());
  const size_t planes = c.n * c.cout;
  f32_conv2d_nchw_scalar(g, in.data(), w.data(), bias.data(), relu, out.data(), 0, planes / 3);
  f32_conv2d_nchw_scalar(g, in.data(), w.data(), bias.data(), relu, out.data(), planes / 3, planes);
  testing::conv2d_ref(g, in.data(), w.data(), bias.data(), relu, ref.data());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], ref[i], 1e-4) << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dTest,
                         ::testing::Values(ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1},
                                           ConvCase{1, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1},
                                           ConvCase{2, 4, 9, 9, 6, 3, 3, 2, 1, 1, 2},
                                           ConvCase{1, 6, 8, 8, 6, 3, 3, 1, 1, 1, 6},   // depthwise
                                           ConvCase{1, 2, 11, 10, 3, 3, 3, 1, 2, 2, 1}, // dilated
                                           ConvCase{1, 3, 6, 6, 5, 1, 1, 1, 0, 1, 1},   // 1x1
                                           ConvCase{1, 2, 5, 5, 2, 5, 5, 3, 2, 1, 1}));

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

TEST(Pool2dTest, AvgPoolCountsPaddingOnlyWhenAsked) {
  const std::vector<float> in = {1, 2, 3, 4};  // 2x2
  for (bool include : {true, false}) {
    const Pool2dGeometry g{2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, include, 0};
    std::vector<float> out(4);
    f32_avgpool2d_nchw_scalar(g, in.data(), out.data(), 0, 1);
    EXPECT_FLOAT_EQ(out[0], include ? 1.f / 4 : 1.f);     // window covers only in[0]
    EXPECT_FLOAT_EQ(out[3], 10.f / 4);                    // window covers all four
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

// --- elementwise and softmax -------------------------------------------------------------------
class ElementwiseTest : public ::testing::TestWithParam<size_t> {};

TEST_P(ElementwiseTest, AllMatchReference) {
  const size_t n = GetParam();
  auto a = random_vector(n, 9), b = random_vector(n, 10);
  std::vector<float> y(n);
  f32_vadd_scalar(n, a.data(), b.data(), y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], a[i] + b[i]);
  f32_vmulc_scalar(n, a.data(), 3.f, y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], a[i] * 3.f);
  F32MinMax mm;
  mm.min = -0.5f;
  mm.max = 0.5f;
  f32_vclamp_scalar(n, a.data(), mm, y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], std::fmin(std::fmax(a[i], -0.5f), 0.5f));
  f32_vscaleshift_scalar(n, a.data(), 2.f, 1.f, y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], a[i] * 2.f + 1.f);
}

INSTANTIATE_TEST_SUITE_P(Lengths, ElementwiseTest, ::testing::Values(0, 1, 3, 4, 5, 16, 33, 1000));

class SoftmaxTest : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(SoftmaxTest, StridedMatchesReference) {
  const auto [n, stride] = GetParam();
  auto x = random_vector(n * stride, 11, -30.f, 30.f);
  std::vector<float> y(x.size(), 0.f), ly(x.size(), 0.f);
  f32_softmax_strided_scalar(n, stride, x.data(), y.data());
  f32_log_softmax_strided_scalar(n, stride, x.data(), ly.data());
  double mx = -1e300, sum = 0;
  for (size_t i = 0; i < n; ++i) mx = std::fmax(mx, x[i * stride]);
  for (size_t i = 0; i < n; ++i) sum += std::exp(double(x[i * stride]) - mx);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_NEAR(y[i * stride], std::exp(double(x[i * stride]) - mx) / sum, 1e-6);
    ASSERT_NEAR(ly[i * stride], double(x[i * stride]) - mx - std::log(sum), 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxTest,
                         ::testing::Combine(::testing::Values(1, 2, 7, 100), ::testing::Values(1, 3)));

}  // namespace
}  // namespace wt
