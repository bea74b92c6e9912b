// Every unary kernel against its double reference, tolerances in one table; and scale-shift.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/f32_vunary.h"
#include "kernels/f32_vscaleshift.h"
#include "kernels/kernel_table.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// --- unary: every kernel against its double reference, tolerances in one table ---------------
struct UnaryCase {
  const char* name;
  F32UnaryFn fn;
  double (*ref)(double x, const UnaryParams& p);
  UnaryParams params;
  float lo, hi;
  double tolerance;  // absolute, relative to max(1, |ref|)
};

double softplus_ref(double v, double beta, double threshold) {
  return v * beta > threshold ? v : std::log1p(std::exp(v * beta)) / beta;
}

const UnaryCase kUnaryCases[] = {
    {"clamp",
     f32_vclampp_scalar,
     [](double x, const UnaryParams& p) { return std::fmin(std::fmax(x, double(p.alpha)), double(p.beta)); },
     {-0.5f, 0.25f},
     -2,
     2,
     0},
    {"sigmoid",
     f32_vsigmoid_scalar,
     [](double x, const UnaryParams&) { return 1 / (1 + std::exp(-x)); },
     {},
     -20,
     20,
     1e-6},
    {"tanh", f32_vtanh_scalar, [](double x, const UnaryParams&) { return std::tanh(x); }, {}, -10, 10, 1e-6},
    {"silu", f32_vsilu_scalar, [](double x, const UnaryParams&) { return x / (1 + std::exp(-x)); }, {}, -20, 20, 1e-6},
    {"hardswish",
     f32_vhardswish_scalar,
     [](double x, const UnaryParams&) { return x * std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6; },
     {},
     -5,
     5,
     1e-6},
    {"hardsigmoid",
     f32_vhardsigmoid_scalar,
     [](double x, const UnaryParams&) { return std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6; },
     {},
     -5,
     5,
     1e-6},
    {"gelu",
     f32_vgelu_erf_scalar,
     [](double x, const UnaryParams&) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); },
     {},
     -6,
     6,
     1e-6},
    {"gelu_tanh",
     f32_vgelu_tanh_scalar,
     [](double x, const UnaryParams&) {
       return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
     },
     {},
     -6,
     6,
     1e-6},
    {"elu",
     f32_velu_scalar,
     [](double x, const UnaryParams& p) { return x > 0 ? x : p.alpha * std::expm1(x); },
     {1.5f, 0},
     -5,
     5,
     1e-6},
    {"leaky_relu",
     f32_vleaky_relu_scalar,
     [](double x, const UnaryParams& p) { return x > 0 ? x : x * p.alpha; },
     {0.1f, 0},
     -5,
     5,
     1e-7},
    {"softplus",
     f32_vsoftplus_scalar,
     [](double x, const UnaryParams& p) { return softplus_ref(x, p.alpha, p.beta); },
     {2.f, 10.f},
     -10,
     10,
     1e-6},
    {"mish",
     f32_vmish_scalar,
     [](double x, const UnaryParams&) { return x * std::tanh(softplus_ref(x, 1, 20)); },
     {},
     -10,
     25,
     1e-6},
    {"exp", f32_vexp_scalar, [](double x, const UnaryParams&) { return std::exp(x); }, {}, -10, 10, 1e-6},
    {"log", f32_vlog_scalar, [](double x, const UnaryParams&) { return std::log(x); }, {}, 1e-3f, 100, 1e-6},
    {"sqrt", f32_vsqrt_scalar, [](double x, const UnaryParams&) { return std::sqrt(x); }, {}, 0, 100, 1e-6},
    {"rsqrt", f32_vrsqrt_scalar, [](double x, const UnaryParams&) { return 1 / std::sqrt(x); }, {}, 1e-2f, 100, 1e-6},
    {"neg", f32_vneg_scalar, [](double x, const UnaryParams&) { return -x; }, {}, -5, 5, 0},
    {"abs", f32_vabs_scalar, [](double x, const UnaryParams&) { return std::fabs(x); }, {}, -5, 5, 0},
    {"erf", f32_verf_scalar, [](double x, const UnaryParams&) { return std::erf(x); }, {}, -4, 4, 1e-6},
    {"sin", f32_vsin_scalar, [](double x, const UnaryParams&) { return std::sin(x); }, {}, -10, 10, 1e-6},
    {"cos", f32_vcos_scalar, [](double x, const UnaryParams&) { return std::cos(x); }, {}, -10, 10, 1e-6},
    {"tan", f32_vtan_scalar, [](double x, const UnaryParams&) { return std::tan(x); }, {}, -1.5, 1.5, 1e-6},
    {"asin", f32_vasin_scalar, [](double x, const UnaryParams&) { return std::asin(x); }, {}, -1, 1, 1e-6},
    {"acos", f32_vacos_scalar, [](double x, const UnaryParams&) { return std::acos(x); }, {}, -1, 1, 1e-6},
    {"atan", f32_vatan_scalar, [](double x, const UnaryParams&) { return std::atan(x); }, {}, -10, 10, 1e-6},
    {"sinh", f32_vsinh_scalar, [](double x, const UnaryParams&) { return std::sinh(x); }, {}, -5, 5, 1e-6},
    {"cosh", f32_vcosh_scalar, [](double x, const UnaryParams&) { return std::cosh(x); }, {}, -5, 5, 1e-6},
    {"asinh", f32_vasinh_scalar, [](double x, const UnaryParams&) { return std::asinh(x); }, {}, -10, 10, 1e-6},
    {"acosh", f32_vacosh_scalar, [](double x, const UnaryParams&) { return std::acosh(x); }, {}, 1, 10, 1e-6},
    {"atanh", f32_vatanh_scalar, [](double x, const UnaryParams&) { return std::atanh(x); }, {}, -0.99, 0.99, 1e-6},
    {"expm1", f32_vexpm1_scalar, [](double x, const UnaryParams&) { return std::expm1(x); }, {}, -1e-3, 1e-3, 1e-7},
    {"log1p", f32_vlog1p_scalar, [](double x, const UnaryParams&) { return std::log1p(x); }, {}, -1e-3, 1e-3, 1e-7},
    {"log2", f32_vlog2_scalar, [](double x, const UnaryParams&) { return std::log2(x); }, {}, 0.01, 100, 1e-6},
    {"log10", f32_vlog10_scalar, [](double x, const UnaryParams&) { return std::log10(x); }, {}, 0.01, 100, 1e-6},
    {"exp2", f32_vexp2_scalar, [](double x, const UnaryParams&) { return std::exp2(x); }, {}, -10, 10, 1e-6},
    {"erfc", f32_verfc_scalar, [](double x, const UnaryParams&) { return std::erfc(x); }, {}, -4, 4, 1e-6},
    {"floor", f32_vfloor_scalar, [](double x, const UnaryParams&) { return std::floor(x); }, {}, -50, 50, 0},
    {"ceil", f32_vceil_scalar, [](double x, const UnaryParams&) { return std::ceil(x); }, {}, -50, 50, 0},
    {"round", f32_vround_scalar, [](double x, const UnaryParams&) { return std::nearbyint(x); }, {}, -50, 50, 0},
    {"trunc", f32_vtrunc_scalar, [](double x, const UnaryParams&) { return std::trunc(x); }, {}, -50, 50, 0},
    {"frac", f32_vfrac_scalar, [](double x, const UnaryParams&) { return x - std::trunc(x); }, {}, -50, 50, 1e-6},
    {"reciprocal", f32_vreciprocal_scalar, [](double x, const UnaryParams&) { return 1 / x; }, {}, 0.1, 10, 1e-6},
    {"sign", f32_vsign_scalar, [](double x, const UnaryParams&) { return double((x > 0) - (x < 0)); }, {}, -5, 5, 0},
};

class UnaryKernelTest : public ::testing::TestWithParam<std::tuple<UnaryCase, size_t>> {};

TEST_P(UnaryKernelTest, MatchesReferenceWithinItsTolerance) {
  const auto& [c, n] = GetParam();
  auto x = random_vector(n, 12, c.lo, c.hi);
  std::vector<float> y(n + 1, 123.f);
  c.fn(n, x.data(), y.data(), c.params);
  for (size_t i = 0; i < n; ++i) {
    const double ref = c.ref(x[i], c.params);
    ASSERT_NEAR(y[i], ref, c.tolerance * std::fmax(1.0, std::fabs(ref)) + 1e-7) << c.name << "(" << x[i] << ")";
  }
  EXPECT_EQ(y[n], 123.f) << c.name << " wrote past the end";
}

// The list in f32_vunary.h is the one home of the unary kernels: each needs a case above.
TEST(UnaryKernelTest, EveryKernelOfTheListHasAReferenceCase) {
  for (size_t k = 0; k < kF32VUnaryCount; ++k) {
    const F32UnaryFn fn = reference_kernels().vunary[k];
    EXPECT_TRUE(std::any_of(std::begin(kUnaryCases), std::end(kUnaryCases), [&](const UnaryCase& c) { return c.fn == fn; }))
        << "f32_v" << kF32VUnaryNames[k] << "_scalar has no case in kUnaryCases";
  }
}

INSTANTIATE_TEST_SUITE_P(AllKernels, UnaryKernelTest,
                         ::testing::Combine(::testing::ValuesIn(kUnaryCases), ::testing::Values(0, 1, 7, 1000)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

class ScaleShiftTest : public ::testing::TestWithParam<size_t> {};

TEST_P(ScaleShiftTest, MatchesReference) {
  const size_t n = GetParam();
  auto x = random_vector(n, 14);
  std::vector<float> y(n);
  f32_vscaleshift_scalar(n, x.data(), 2.5f, -1.f, y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], x[i] * 2.5f - 1.f);
}

INSTANTIATE_TEST_SUITE_P(Lengths, ScaleShiftTest, ::testing::Values(0, 1, 5, 64, 1001));

// Channels last: every channel count around the SIMD kernel's 16- and 4-wide steps, no clamp, ReLU
// and ReLU6; the scalar kernel against the definition, the build's (SIMD) kernel against the scalar.
class ScaleShiftChannelsTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, int>> {};

TEST_P(ScaleShiftChannelsTest, MatchesDefinitionAndSimdMatchesScalar) {
  const auto [pixels, channels, clamp] = GetParam();
  auto x = random_vector(pixels * channels, 15), scale = random_vector(channels, 16), shift = random_vector(channels, 17);
  if (x.size() > 2) x[2] = std::nanf("");  // a NaN passes the clamp, as in clamp_minmax
  F32MinMax minmax;
  if (clamp > 0) minmax.min = 0.f;
  if (clamp > 1) minmax.max = 6.f * 0.25f;  // a ReLU6 scaled to the random values' range
  std::vector<float> scalar(x.size(), -7.f), got(x.size(), -7.f);
  f32_vscaleshift_channels_scalar(pixels, channels, x.data(), scale.data(), shift.data(), minmax, scalar.data());
  for (size_t i = 0; i < x.size(); ++i) {
    const float expected = clamp_minmax(x[i] * scale[i % channels] + shift[i % channels], minmax);
    if (std::isnan(expected)) {
      ASSERT_TRUE(std::isnan(scalar[i])) << i;
    } else {
      ASSERT_FLOAT_EQ(scalar[i], expected) << i;
    }
  }
  build_kernels().vscaleshift_channels(pixels, channels, x.data(), scale.data(), shift.data(), minmax, got.data());
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(scalar[i])) {
      ASSERT_TRUE(std::isnan(got[i])) << i;
    } else {
      ASSERT_NEAR(got[i], scalar[i], 1e-6f) << i;  // a fused multiply-add in the relaxed build
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ScaleShiftChannelsTest,
                         ::testing::Combine(::testing::Values(1, 3), ::testing::Values(1, 3, 4, 5, 16, 17, 35, 64),
                                            ::testing::Values(0, 1, 2)));

}  // namespace
}  // namespace wt
