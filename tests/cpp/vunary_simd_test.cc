// The SIMD128 approximations against double-precision references: the maximum errors stated in
// f32_vunary_simd128.cc over dense grids and range edges, and tails of every length.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "kernels/f32_vunary.h"
#include "kernels/kernel_table.h"

namespace wt {
namespace {

#if WT_HAVE_SIMD128

struct ApproxCase {
  std::string name;
  F32UnaryFn fn;
  double (*ref)(double);
  double lo, hi;
  double abs_tol;  // allowed |error| / max(1, |x|) (scale_with_x) or / max(1e-30, |ref|) (relative)
  bool scale_with_x;
  bool relative;
};

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }
double silu_ref(double x) { return x / (1 + std::exp(-x)); }
double gelu_ref(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_tanh_ref(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }
double hardswish_ref(double x) { return x * std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6; }
double exp_ref(double x) { return std::exp(x); }
double tanh_ref(double x) { return std::tanh(x); }
double erf_ref(double x) { return std::erf(x); }
double floor_ref(double x) { return std::floor(x); }
double ceil_ref(double x) { return std::ceil(x); }
double round_ref(double x) { return std::nearbyint(x); }  // ties to even
double trunc_ref(double x) { return std::trunc(x); }

std::vector<ApproxCase> cases() {
  return {{"exp", f32_vexp_simd128, exp_ref, -87.3, 88.3, 3e-7, false, true},
          {"sigmoid", f32_vsigmoid_simd128, sigmoid_ref, -100, 100, 2e-7, true, false},
          {"silu", f32_vsilu_simd128, silu_ref, -100, 100, 2e-7, true, false},
          {"tanh", f32_vtanh_simd128, tanh_ref, -50, 50, 3e-7, false, false},
          {"erf", f32_verf_simd128, erf_ref, -10, 10, 5e-7, false, false},
          {"gelu", f32_vgelu_erf_simd128, gelu_ref, -20, 20, 5e-7, true, false},
          {"gelu_tanh", f32_vgelu_tanh_simd128, gelu_tanh_ref, -20, 20, 5e-7, true, false},
          {"hardswish", f32_vhardswish_simd128, hardswish_ref, -10, 10, 2e-7, true, false},
          // Rounding is exact, over a grid of fractions and past 2^23 (where every float is whole).
          {"floor", f32_vfloor_simd128, floor_ref, -2e7, 2e7, 0, false, false},
          {"ceil", f32_vceil_simd128, ceil_ref, -2e7, 2e7, 0, false, false},
          {"round", f32_vround_simd128, round_ref, -2e7, 2e7, 0, false, false},
          {"trunc", f32_vtrunc_simd128, trunc_ref, -2e7, 2e7, 0, false, false}};
}

class ApproxTest : public ::testing::TestWithParam<ApproxCase> {};

TEST_P(ApproxTest, WithinStatedError) {
  const ApproxCase c = GetParam();
  std::vector<float> x;
  for (int i = 0; i <= 200001; ++i) x.push_back(static_cast<float>(c.lo + (c.hi - c.lo) * i / 200001.0));
  for (float v : {0.f, -0.f, 1e-30f, -1e-30f, 1e-6f, -1e-6f, 0.5f, -0.5f, 0.625f, -0.625f, 1.5f, 2.5f, -2.5f, 3.49999f})
    x.push_back(v);
  std::vector<float> y(x.size());
  c.fn(x.size(), x.data(), y.data(), UnaryParams{});
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double ref = c.ref(x[i]);
    const double scale = c.relative ? std::max(1e-30, std::fabs(ref)) : (c.scale_with_x ? std::max(1.0, std::fabs(double(x[i]))) : 1.0);
    worst = std::max(worst, std::fabs(y[i] - ref) / scale);
    ASSERT_LE(std::fabs(y[i] - ref) / scale, c.abs_tol) << c.name << "(" << x[i] << ") = " << y[i] << ", want " << ref;
  }
  char measured[32];
  std::snprintf(measured, sizeof(measured), "%.3g", worst);
  RecordProperty("max_error", measured);
}

INSTANTIATE_TEST_SUITE_P(Kernels, ApproxTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// Every tail length goes through the vector path on a padded copy, writing nothing past n.
// Every SIMD kernel the build's table holds has its stated error checked above (clampp, exact,
// in NanPropagatesAndClampKeepsBounds).
TEST(ApproxTest, EverySimdKernelOfTheListHasACase) {
  const std::vector<ApproxCase> all = cases();
  for (size_t k = 0; k < kF32VUnaryCount; ++k) {
    const F32UnaryFn fn = build_kernels().vunary[k];
    if (fn == reference_kernels().vunary[k] || fn == f32_vclampp_simd128) continue;  // no SIMD kernel; exact
    EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const ApproxCase& c) { return c.fn == fn; }))
        << "f32_v" << kF32VUnaryNames[k] << "_simd128 has no case in cases()";
  }
}

TEST(ApproxTailTest, TailsMatchTheVectorPath) {
  for (const ApproxCase& c : cases()) {
    std::vector<float> x = {0.3f, -1.7f, 2.9f, -0.1f, 4.4f, 0.8f, -3.3f};
    std::vector<float> full(8, 0.f);
    c.fn(x.size(), x.data(), full.data(), UnaryParams{});
    for (size_t n = 0; n <= x.size(); ++n) {
      std::vector<float> y(n + 1, 123.f);
      c.fn(n, x.data(), y.data(), UnaryParams{});
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], full[i]) << c.name << " n=" << n;
      ASSERT_EQ(y[n], 123.f) << c.name << " wrote past n=" << n;
    }
  }
}

TEST(ApproxSpecialTest, NanPropagatesAndClampKeepsBounds) {
  const float nan = std::nanf("");
  for (const ApproxCase& c : cases()) {
    float y = 0;
    c.fn(1, &nan, &y, UnaryParams{});
    EXPECT_TRUE(std::isnan(y)) << c.name;
  }
  UnaryParams relu6{0.f, 6.f};
  const float x[5] = {-1.f, 0.f, 3.f, 7.f, nan};
  float y[5];
  f32_vclampp_simd128(5, x, y, relu6);
  EXPECT_EQ(y[0], 0.f);
  EXPECT_EQ(y[2], 3.f);
  EXPECT_EQ(y[3], 6.f);
  EXPECT_TRUE(std::isnan(y[4]));
}

// tanh and erf saturate to exactly +-1, so SiLU and the GELUs of a large negative x are 0 (PyTorch:
// -0), not x times the rational's last ulp; infinities go to +-1, and the functions stay odd.
TEST(ApproxSpecialTest, SaturationIsExact) {
  const float x[6] = {-1e30f, -1e4f, -100.f, 100.f, -INFINITY, INFINITY};
  float y[6];
  for (auto fn : {f32_vtanh_simd128, f32_verf_simd128}) {
    fn(6, x, y, UnaryParams{});
    for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], x[i] < 0 ? -1.f : 1.f) << "at " << x[i];
  }
  for (auto fn : {f32_vsilu_simd128, f32_vgelu_erf_simd128, f32_vgelu_tanh_simd128}) {
    fn(3, x, y, UnaryParams{});
    for (int i = 0; i < 3; ++i) EXPECT_EQ(y[i], 0.f) << "at " << x[i];
    fn(1, &x[3], y, UnaryParams{});
    EXPECT_EQ(y[0], 100.f);
  }
  const float z[4] = {0.37f, -0.37f, 2.9f, -2.9f};
  for (auto fn : {f32_vtanh_simd128, f32_verf_simd128}) {
    fn(4, z, y, UnaryParams{});
    EXPECT_EQ(y[0], -y[1]);
    EXPECT_EQ(y[2], -y[3]);
  }
}

// Where e^x is denormal the approximation gives exactly 0 (a denormal probability would make
// every product with it in the P V GEMM a slow microcode assist); just above, a normal float.
TEST(ApproxSpecialTest, ExpBelowTheNormalRangeIsZero) {
  const float x[6] = {-87.34f, -88.f, -100.f, -1e4f, -INFINITY, -87.33f};
  float y[6];
  f32_vexp_simd128(6, x, y, UnaryParams{});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(y[i], 0.f) << "exp(" << x[i] << ")";
  EXPECT_GE(y[5], std::numeric_limits<float>::min());
}

#endif  // WT_HAVE_SIMD128

}  // namespace
}  // namespace wt
