// Every kernel against its double-precision reference, over odd sizes, tails and strides.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>

#include "kernels/f32_conv2d.h"
#include "kernels/f32_pool2d.h"
#include "kernels/f32_reduce.h"
#include "kernels/f32_softmax.h"
#include "kernels/f32_vbinary.h"
#include "kernels/f32_vscaleshift.h"
#include "kernels/f32_vunary.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// --- f32_conv2d_nchw_scalar --------------------------------------------------------------------
struct ConvCase {
  size_t n, cin, h, w, cout, kh, kw, stride, pad, dilation, groups;
};

class Conv2dTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dTest, MatchesReference) {
  const ConvCase c = GetParam();
  const size_t oh = (c.h + 2 * c.pad - c.dilation * (c.kh - 1) - 1) / c.stride + 1;
  const size_t ow = (c.w + 2 * c.pad - c.dilation * (c.kw - 1) - 1) / c.stride + 1;
  const Conv2dGeometry g{c.n,  c.cin,    c.h,      c.w,   c.cout, oh,         ow,         c.kh,
                         c.kw, c.stride, c.stride, c.pad, c.pad,  c.dilation, c.dilation, c.groups};
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
                                           ConvCase{1, 6, 8, 8, 6, 3, 3, 1, 1, 1, 6},    // depthwise
                                           ConvCase{1, 2, 11, 10, 3, 3, 3, 1, 2, 2, 1},  // dilated
                                           ConvCase{1, 3, 6, 6, 5, 1, 1, 1, 0, 1, 1},    // 1x1
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

// The SIMD128 max pooling (vertical pass across rows, horizontal per window) against the scalar
// kernel: odd widths (vector tails), strides, padding, windows past the edge (ceil mode), NaNs.
class MaxPoolSimdTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, size_t>> {};

TEST_P(MaxPoolSimdTest, MatchesScalar) {
  const auto [h, w, k, stride, pad] = GetParam();
  if (!WT_HAVE_SIMD128) GTEST_SKIP() << "this build has no SIMD128 kernels";
  if (pad > k / 2 || h + 2 * pad < k || w + 2 * pad < k) GTEST_SKIP() << "not a valid pooling";
  // ceil mode: one more output where the last window starts inside the input or left padding.
  const size_t oh = (h + 2 * pad - k + stride - 1) / stride + 1, ow = (w + 2 * pad - k + stride - 1) / stride + 1;
  const Pool2dGeometry g{h, w, oh, ow, k, k, stride, stride, pad, pad, 1, 1, true, 0};
  ASSERT_TRUE(f32_maxpool2d_simd128_supports(g));
  auto in = random_vector(3 * h * w, 8);
  in[h * w + w / 2] = std::nanf("");  // plane 1 has a NaN
  std::vector<float> simd(3 * oh * ow, 5.f), scalar(simd.size(), 5.f);
  f32_maxpool2d_nchw_scalar(g, in.data(), scalar.data(), 0, 3);
  WT_SIMD128_KERNEL(f32_maxpool2d_nchw_simd128)(g, in.data(), simd.data(), 0, 1);
  WT_SIMD128_KERNEL(f32_maxpool2d_nchw_simd128)(g, in.data(), simd.data(), 1, 3);
  for (size_t i = 0; i < simd.size(); ++i) {
    if (std::isnan(scalar[i])) {
      ASSERT_TRUE(std::isnan(simd[i])) << i;
    } else {
      ASSERT_EQ(simd[i], scalar[i]) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, MaxPoolSimdTest,
                         ::testing::Combine(::testing::Values(1, 5, 8), ::testing::Values(1, 3, 4, 9, 13, 30),
                                            ::testing::Values(1, 2, 3), ::testing::Values(1, 2, 3),
                                            ::testing::Values(0, 1)));

// return_indices: the same values as the plain kernel, and each one's position in its plane,
// against a direct scan (first of equal maxima; the last NaN; padding, dilation, ceil mode).
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

// --- binary ----------------------------------------------------------------------------------
double binary_ref(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;
    case BinaryOp::kMaximum:
      return std::fmax(a, b);
    case BinaryOp::kMinimum:
      return std::fmin(a, b);
    case BinaryOp::kPow:
      return std::pow(a, b);
    case BinaryOp::kAtan2:
      return std::atan2(a, b);
    case BinaryOp::kFmod:
      return std::fmod(a, b);
    case BinaryOp::kRemainder:
      return a - std::floor(a / b) * b;
    case BinaryOp::kFloorDivide:
      return std::floor(a / b);
    case BinaryOp::kNone:
      break;
  }
  return 0;
}

// Equal as floats, NaN matching NaN (pow of a negative base), within 2 ulps for the ops whose float
// and double forms round differently (pow, atan2, remainder).
void expect_binary_near(float got, double want, BinaryOp op, size_t i) {
  if (std::isnan(want)) {
    ASSERT_TRUE(std::isnan(got)) << int(op) << " at " << i;
    return;
  }
  ASSERT_NEAR(got, want, 2.5e-7 * std::max(1.0, std::fabs(want))) << int(op) << " at " << i;
}

class BinaryKernelTest : public ::testing::TestWithParam<std::tuple<BinaryOp, size_t>> {};

TEST_P(BinaryKernelTest, VectorVectorScalarFormsMatchReference) {
  const auto [op, n] = GetParam();
  auto a = random_vector(n, 9), b = random_vector(n, 10, 0.5f, 2.f);
  const F32BinaryKernels k = f32_vbinary_scalar(op);
  std::vector<float> y(n);
  k.vv(n, a.data(), b.data(), y.data());
  for (size_t i = 0; i < n; ++i) expect_binary_near(y[i], binary_ref(op, a[i], b[i]), op, i);
  k.vs(n, a.data(), 1.5f, y.data());
  for (size_t i = 0; i < n; ++i) expect_binary_near(y[i], binary_ref(op, a[i], 1.5f), op, i);
  k.sv(n, 1.5f, b.data(), y.data());
  for (size_t i = 0; i < n; ++i) expect_binary_near(y[i], binary_ref(op, 1.5f, b[i]), op, i);
}

INSTANTIATE_TEST_SUITE_P(OpsAndLengths, BinaryKernelTest,
                         ::testing::Combine(::testing::Values(BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul,
                                                              BinaryOp::kDiv, BinaryOp::kMaximum, BinaryOp::kMinimum,
                                                              BinaryOp::kPow, BinaryOp::kAtan2, BinaryOp::kFmod,
                                                              BinaryOp::kRemainder, BinaryOp::kFloorDivide),
                                            ::testing::Values(0, 1, 3, 4, 5, 33, 1000)));

TEST(BinaryKernelTest, MaximumPropagatesNaN) {
  const float a[2] = {NAN, 1.f}, b[2] = {0.f, NAN};
  float y[2];
  f32_vbinary_scalar(BinaryOp::kMaximum).vv(2, a, b, y);
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
}

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

INSTANTIATE_TEST_SUITE_P(AllKernels, UnaryKernelTest,
                         ::testing::Combine(::testing::ValuesIn(kUnaryCases), ::testing::Values(0, 1, 7, 1000)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

// --- reductions -------------------------------------------------------------------------------
TEST(ReduceKernelTest, EveryAxisSubsetOfA3dTensorMatchesReference) {
  const size_t dims[3] = {3, 4, 5};
  auto x = random_vector(60, 13);
  for (int mask = 1; mask < 8; ++mask) {
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kVar, ReduceOp::kProd}) {
      ReduceGeometry g{};
      g.op = op;
      g.correction = 1.0;
      const size_t strides[3] = {20, 5, 1};
      for (int d = 0; d < 3; ++d) {
        StridedSpace& s = (mask >> d & 1) ? g.reduced : g.kept;
        s.size[s.rank] = dims[d];
        s.stride[s.rank++] = strides[d];
      }
      std::vector<float> y(g.kept.count());
      f32_reduce_scalar(g, x.data(), y.data(), 0, y.size());
      for (size_t o = 0; o < y.size(); ++o) {
        std::vector<double> vals;
        for (size_t r = 0; r < g.reduced.count(); ++r) vals.push_back(x[g.kept.offset(o) + g.reduced.offset(r)]);
        double sum = 0, mx = -1e300, mn = 1e300, var = 0, prod = 1;
        for (double v : vals) sum += v, mx = std::fmax(mx, v), mn = std::fmin(mn, v), prod *= v;
        const double mean = sum / double(vals.size());
        for (double v : vals) var += (v - mean) * (v - mean);
        const double ref = op == ReduceOp::kSum    ? sum
                           : op == ReduceOp::kMean ? mean
                           : op == ReduceOp::kMax  ? mx
                           : op == ReduceOp::kMin  ? mn
                           : op == ReduceOp::kProd ? prod
                                                   : var / double(vals.size() - 1);
        ASSERT_NEAR(y[o], ref, 1e-5) << "mask " << mask << " op " << int(op) << " out " << o;
      }
    }
  }
}

// int64 reductions over every axis subset: exact past 2^53 (a double accumulator would round),
// sums and products wrapping as PyTorch's.
TEST(ReduceKernelTest, Int64IsExactAndWraps) {
  const size_t dims[3] = {3, 4, 5};
  std::vector<int64_t> x(60);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (int64_t{1} << 60) + int64_t(i * 7919 % 61) - 30;
  for (int mask = 1; mask < 8; ++mask) {
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kProd}) {
      ReduceGeometry g{};
      g.op = op;
      const size_t strides[3] = {20, 5, 1};
      for (int d = 0; d < 3; ++d) {
        StridedSpace& s = (mask >> d & 1) ? g.reduced : g.kept;
        s.size[s.rank] = dims[d];
        s.stride[s.rank++] = strides[d];
      }
      std::vector<int64_t> y(g.kept.count());
      i64_reduce_scalar(g, x.data(), y.data(), 0, y.size());
      for (size_t o = 0; o < y.size(); ++o) {
        uint64_t sum = 0, prod = 1;
        int64_t mx = INT64_MIN, mn = INT64_MAX;
        for (size_t r = 0; r < g.reduced.count(); ++r) {
          const int64_t v = x[g.kept.offset(o) + g.reduced.offset(r)];
          sum += uint64_t(v), prod *= uint64_t(v), mx = std::max(mx, v), mn = std::min(mn, v);
        }
        const int64_t ref = op == ReduceOp::kSum ? int64_t(sum) : op == ReduceOp::kProd ? int64_t(prod)
                            : op == ReduceOp::kMax ? mx : mn;
        ASSERT_EQ(y[o], ref) << "mask " << mask << " op " << int(op) << " out " << o;
      }
    }
  }
}

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
#if WT_HAVE_SIMD128
  std::vector<float> sy(x.size(), -5.f);
  f32_softmax_simd128(n, stride, x.data(), sy.data());
  for (size_t i = 0; i < x.size(); ++i) {
    if (i % stride == 0) {
      ASSERT_NEAR(sy[i], std::exp(double(x[i]) - mx) / sum, 1e-6) << i;
    } else {
      ASSERT_EQ(sy[i], -5.f) << "wrote between strided elements";
    }
  }
#endif
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxTest,
                         ::testing::Combine(::testing::Values(1, 2, 4, 7, 8, 100, 129), ::testing::Values(1, 3)));

// Online softmax: a row fed in blocks of `block` (each rescaling what came before) ends as the
// softmax of the whole row; the first block may be fully masked (-inf).
class SoftmaxBlockTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, bool>> {};

TEST_P(SoftmaxBlockTest, BlocksCombineToTheWholeRowsSoftmax) {
  const auto [n, block, masked_first] = GetParam();
  auto x = random_vector(n, 12, -30.f, 30.f);
  if (masked_first && block >= n) GTEST_SKIP() << "the whole row would be masked";
  if (masked_first) std::fill(x.begin(), x.begin() + block, -INFINITY);
  double mx = -1e300, sum = 0;
  for (float v : x) mx = std::fmax(mx, v);
  for (float v : x) sum += std::exp(double(v) - mx);
  using BlockFn = float (*)(size_t, float*, float*, float*);
  std::vector<BlockFn> kernels = {f32_softmax_block_scalar};
#if WT_HAVE_SIMD128
  kernels.push_back(f32_softmax_block_simd128);
#endif
  for (BlockFn kernel : kernels) {
    std::vector<float> p = x;
    float row_max = -INFINITY, row_sum = 0.f;
    for (size_t j0 = 0; j0 < n; j0 += block) {
      const float rescale = kernel(std::min(block, n - j0), p.data() + j0, &row_max, &row_sum);
      for (size_t j = 0; j < j0; ++j) p[j] *= rescale;
    }
    ASSERT_FLOAT_EQ(row_max, static_cast<float>(mx));
    for (size_t j = 0; j < n; ++j) ASSERT_NEAR(p[j] / row_sum, std::exp(double(x[j]) - mx) / sum, 2e-6) << j;
  }
}

// A padding mask's -1e4 gives masked keys a probability of exactly 0, never a denormal one.
TEST(SoftmaxBlockMaskTest, MaskedKeysGetExactZeros) {
  using BlockFn = float (*)(size_t, float*, float*, float*);
  std::vector<BlockFn> kernels = {f32_softmax_block_scalar};
#if WT_HAVE_SIMD128
  kernels.push_back(f32_softmax_block_simd128);
#endif
  for (BlockFn kernel : kernels) {
    std::vector<float> p = random_vector(37, 13, -3.f, 3.f);
    for (size_t j = 20; j < p.size(); ++j) p[j] += -1e4f;
    float row_max = -INFINITY, row_sum = 0.f;
    kernel(p.size(), p.data(), &row_max, &row_sum);
    for (size_t j = 0; j < 20; ++j) ASSERT_GT(p[j], 0.f) << j;
    for (size_t j = 20; j < p.size(); ++j) ASSERT_EQ(p[j], 0.f) << j;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxBlockTest,
                         ::testing::Combine(::testing::Values(1, 3, 5, 8, 37, 130), ::testing::Values(1, 4, 7, 64),
                                            ::testing::Bool()));

}  // namespace
}  // namespace wt

namespace wt {
namespace {

class ScaleShiftTest : public ::testing::TestWithParam<size_t> {};

TEST_P(ScaleShiftTest, MatchesReference) {
  const size_t n = GetParam();
  auto x = random_vector(n, 14);
  std::vector<float> y(n);
  f32_vscaleshift_scalar(n, x.data(), 2.5f, -1.f, y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], x[i] * 2.5f - 1.f);
}

INSTANTIATE_TEST_SUITE_P(Lengths, ScaleShiftTest, ::testing::Values(0, 1, 5, 64, 1001));

}  // namespace
}  // namespace wt

#include "kernels/convert.h"
#include "kernels/copy_strided.h"
#include "kernels/f32_layer_norm.h"

namespace wt {
namespace {

class CopyStridedTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t>> {};

// Transposes a [r, c] matrix read from a padded [rows, pitch] buffer, in split ranges.
TEST_P(CopyStridedTest, TransposeOfAPaddedMatrixMatchesIndexWalk) {
  const auto [rows, cols, pad] = GetParam();
  const size_t pitch = cols + pad;
  auto x = random_vector(rows * pitch + 1, 15);
  StridedSpace src;
  src.rank = 2;
  src.size[0] = cols, src.stride[0] = 1;
  src.size[1] = rows, src.stride[1] = pitch;
  std::vector<float> y(rows * cols, -1.f);
  const auto* in = reinterpret_cast<const uint8_t*>(x.data());
  auto* out = reinterpret_cast<uint8_t*>(y.data());
  copy_strided_scalar(src, 1, sizeof(float), in, out, 0, y.size() / 3);
  copy_strided_scalar(src, 1, sizeof(float), in, out, y.size() / 3, y.size());
  for (size_t c = 0; c < cols; ++c)
    for (size_t r = 0; r < rows; ++r) ASSERT_EQ(y[c * rows + r], x[1 + r * pitch + c]) << r << "," << c;
}

INSTANTIATE_TEST_SUITE_P(Shapes, CopyStridedTest,
                         ::testing::Combine(::testing::Values(1, 3, 8), ::testing::Values(1, 5, 16),
                                            ::testing::Values(0, 3)));

// y[b][j][i] = x[b][i][j] for every element size, over output-row ranges that cut tiles and images.
class TransposeTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t>> {};

TEST_P(TransposeTest, MatchesIndexWalk) {
  const auto [rows, cols, element_size] = GetParam();
  const size_t batch = 2, bytes = batch * rows * cols * element_size;
  std::vector<uint8_t> x(bytes), y(bytes + 1, 0xEE);
  for (size_t i = 0; i < bytes; ++i) x[i] = static_cast<uint8_t>(i * 7 + i / 251);
  const size_t split = batch * cols / 3 + 1;
  transpose_scalar(rows, cols, element_size, x.data(), y.data(), 0, split);
  transpose_scalar(rows, cols, element_size, x.data(), y.data(), split, batch * cols);
  ASSERT_EQ(y[bytes], 0xEE);
  for (size_t b = 0; b < batch; ++b)
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j)
        ASSERT_EQ(0, std::memcmp(&y[((b * cols + j) * rows + i) * element_size],
                                 &x[((b * rows + i) * cols + j) * element_size], element_size))
            << b << "," << i << "," << j;
}

INSTANTIATE_TEST_SUITE_P(Shapes, TransposeTest,
                         ::testing::Combine(::testing::Values(1, 3, 17, 40), ::testing::Values(1, 2, 16, 33),
                                            ::testing::Values(1, 2, 4, 8)));

TEST(StridedSpaceTest, CoalescedWalksTheSameOffsets) {
  StridedSpace s;  // [2, 1, 3, 4] over a [2, 3, 5] buffer's first 4 columns, a size-1 dim between
  s.rank = 4;
  const size_t sizes[] = {2, 1, 3, 4}, strides[] = {15, 99, 5, 1};
  for (int i = 0; i < 4; ++i) s.size[i] = sizes[i], s.stride[i] = strides[i];
  const StridedSpace c = s.coalesced();
  EXPECT_EQ(c.rank, 2);  // [6, 4]: rows 5 apart continue the images 15 apart
  for (size_t i = 0; i < s.count(); ++i) ASSERT_EQ(c.offset(i), s.offset(i)) << i;
}

class LayerNormTest : public ::testing::TestWithParam<std::tuple<size_t, bool>> {};

TEST_P(LayerNormTest, MatchesReference) {
  const auto [cols, affine] = GetParam();
  const size_t rows = 3;
  auto x = random_vector(rows * cols, 16, -3.f, 5.f), w = random_vector(cols, 17), b = random_vector(cols, 18);
  std::vector<float> y(x.size());
  f32_layer_norm_scalar(cols, 1e-5f, x.data(), affine ? w.data() : nullptr, affine ? b.data() : nullptr, y.data(), 0,
                        rows);
  std::vector<float> simd(x.size(), 0.f), in_place = x;
#if WT_HAVE_SIMD128
  f32_layer_norm_simd128(cols, 1e-5f, x.data(), affine ? w.data() : nullptr, affine ? b.data() : nullptr, simd.data(),
                         0, rows);
  f32_layer_norm_simd128(cols, 1e-5f, in_place.data(), affine ? w.data() : nullptr, affine ? b.data() : nullptr,
                         in_place.data(), 0, rows);
#endif
  for (size_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (size_t c = 0; c < cols; ++c) mean += x[r * cols + c];
    mean /= double(cols);
    for (size_t c = 0; c < cols; ++c) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
    var /= double(cols);
    for (size_t c = 0; c < cols; ++c) {
      const double v = (x[r * cols + c] - mean) / std::sqrt(var + 1e-5);
      const double expected = affine ? v * w[c] + b[c] : v;
      ASSERT_NEAR(y[r * cols + c], expected, 1e-5);
      if (!WT_HAVE_SIMD128) continue;
      ASSERT_NEAR(simd[r * cols + c], expected, 2e-5) << r << "," << c;  // f32 statistics
      ASSERT_EQ(in_place[r * cols + c], simd[r * cols + c]) << "in place " << r << "," << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LayerNormTest,
                         ::testing::Combine(::testing::Values(1, 3, 4, 7, 64, 129, 768), ::testing::Bool()));

TEST(ConvertTest, FollowsTorchRules) {
  const float f[5] = {-1.7f, -0.2f, 0.f, 0.5f, 2.9f};
  int64_t i64[5];
  bool b[5];
  convert_scalar(DType::kFloat32, DType::kInt64, f, i64, 0, 5);
  EXPECT_EQ(std::vector<int64_t>(i64, i64 + 5), (std::vector<int64_t>{-1, 0, 0, 0, 2}));  // truncation
  convert_scalar(DType::kFloat32, DType::kBool, f, b, 0, 5);
  EXPECT_EQ(std::vector<bool>(b, b + 5), (std::vector<bool>{true, true, false, true, true}));
  float back[5];
  convert_scalar(DType::kInt64, DType::kFloat32, i64, back, 0, 5);
  EXPECT_EQ(back[4], 2.f);
}

}  // namespace
}  // namespace wt

#include "kernels/f32_conv_transpose2d.h"
#include "ops/gemm.h"

namespace wt {
namespace {

class ConvTranspose2dTest : public ::testing::TestWithParam<ConvCase> {};

// The reference scatters each input pixel into the output (the definition); the kernel gathers.
TEST_P(ConvTranspose2dTest, GatherMatchesScatterReference) {
  const ConvCase c = GetParam();
  const size_t oh = (c.h - 1) * c.stride - 2 * c.pad + c.dilation * (c.kh - 1) + 1;
  const size_t ow = (c.w - 1) * c.stride - 2 * c.pad + c.dilation * (c.kw - 1) + 1;
  const Conv2dGeometry g{c.n,  c.cin,    c.h,      c.w,   c.cout, oh,         ow,         c.kh,
                         c.kw, c.stride, c.stride, c.pad, c.pad,  c.dilation, c.dilation, c.groups};
  const size_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  auto in = random_vector(c.n * c.cin * c.h * c.w, 21), w = random_vector(c.cin * cout_g * c.kh * c.kw, 22);
  auto bias = random_vector(c.cout, 23);
  std::vector<double> ref(c.n * c.cout * oh * ow, 0.0);
  for (size_t n = 0; n < c.n; ++n)
    for (size_t ic = 0; ic < c.cin; ++ic)
      for (size_t iy = 0; iy < c.h; ++iy)
        for (size_t ix = 0; ix < c.w; ++ix)
          for (size_t o = 0; o < cout_g; ++o)
            for (size_t ky = 0; ky < c.kh; ++ky)
              for (size_t kx = 0; kx < c.kw; ++kx) {
                const long oy = long(iy * c.stride + ky * c.dilation) - long(c.pad);
                const long ox = long(ix * c.stride + kx * c.dilation) - long(c.pad);
                if (oy < 0 || ox < 0 || oy >= long(oh) || ox >= long(ow)) continue;
                const size_t oc = (ic / cin_g) * cout_g + o;
                ref[((n * c.cout + oc) * oh + oy) * ow + ox] += double(in[((n * c.cin + ic) * c.h + iy) * c.w + ix]) *
                                                                w[((ic * cout_g + o) * c.kh + ky) * c.kw + kx];
              }
  std::vector<float> out(ref.size());
  f32_conv_transpose2d_nchw_scalar(g, in.data(), w.data(), bias.data(), out.data(), 0, c.n * c.cout);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t oc = (i / (oh * ow)) % c.cout;
    ASSERT_NEAR(out[i], ref[i] + bias[oc], 1e-4) << i;
  }

  // NHWC: per image and group, a GEMM of the pixels (x Cin/g) by the weights as the exporter packs
  // them ([Cin/g, kh*kw*Cout/g], columns (ky, kx, oc), in panels) into columns, then col2im.
  const size_t row = c.kh * c.kw * cout_g, panels = (row + 7) / 8, pixels = c.h * c.w;
  std::vector<float> packed(c.groups * panels * cin_g * 8, 0.f);
  for (size_t ic = 0; ic < c.cin; ++ic)
    for (size_t o = 0; o < cout_g; ++o)
      for (size_t t = 0; t < c.kh * c.kw; ++t) {
        const size_t col = t * cout_g + o, grp = ic / cin_g;
        packed[((grp * panels + col / 8) * cin_g + ic % cin_g) * 8 + col % 8] = w[(ic * cout_g + o) * c.kh * c.kw + t];
      }
  const auto image = testing::nchw_to_nhwc(in, c.n, c.cin, c.h, c.w);
  ThreadPool pool(1);
  for (auto col2im : {f32_col2im_nhwc_scalar, f32_col2im_nhwc_simd128}) {
    std::vector<float> cols(c.groups * pixels * row), nhwc(ref.size(), -9.f);
    for (size_t n = 0; n < c.n; ++n) {
      for (size_t grp = 0; grp < c.groups; ++grp) {
        const GemmProblem p{pixels, row,
                            cin_g,  image.data() + n * pixels * c.cin + grp * cin_g,
                            c.cin,  cols.data() + grp * pixels * row,
                            row};
        run_gemm(p, PanelB(packed.data() + grp * panels * cin_g * 8, cin_g), pool);
      }
      float* out_n = nhwc.data() + n * oh * ow * c.cout;
      col2im(g, cols.data(), bias.data(), out_n, 0, oh / 2);
      col2im(g, cols.data(), bias.data(), out_n, oh / 2, oh);
    }
    const auto got = testing::nhwc_to_nchw(nhwc, c.n, c.cout, oh, ow);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], ref[i] + bias[(i / (oh * ow)) % c.cout], 1e-4) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvTranspose2dTest,
                         ::testing::Values(ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1},
                                           ConvCase{1, 3, 4, 5, 2, 3, 3, 2, 1, 1, 1},
                                           ConvCase{2, 4, 3, 3, 6, 2, 2, 2, 0, 1, 2},
                                           ConvCase{1, 2, 5, 4, 4, 3, 3, 3, 2, 2, 2},
                                           ConvCase{1, 4, 6, 6, 4, 4, 4, 1, 1, 1, 4}));

}  // namespace
}  // namespace wt

#include "kernels/typed_binary.h"

namespace wt {
namespace {

TEST(CompareKernelTest, AllOpsAllFormsForFloatAndInt64) {
  const float fa[4] = {1, 2, 3, NAN}, fb[4] = {2, 2, 1, 0};
  const int64_t ia[4] = {1, 2, 3, -4}, ib[4] = {2, 2, 1, 0};
  const CompareOp ops[6] = {CompareOp::kEq, CompareOp::kNe, CompareOp::kLt,
                            CompareOp::kLe, CompareOp::kGt, CompareOp::kGe};
  auto ref = [](CompareOp op, double a, double b) {
    switch (op) {
      case CompareOp::kEq:
        return a == b;
      case CompareOp::kNe:
        return a != b;
      case CompareOp::kLt:
        return a < b;
      case CompareOp::kLe:
        return a <= b;
      case CompareOp::kGt:
        return a > b;
      case CompareOp::kGe:
        return a >= b;
    }
    return false;
  };
  for (CompareOp op : ops) {
    bool y[4];
    compare_scalar(op, DType::kFloat32).vv(4, fa, fb, y);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(y[i], ref(op, fa[i], fb[i])) << int(op) << " " << i;  // NaN: only ne
    compare_scalar(op, DType::kInt64).vs(4, ia, &ib[1], y);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(y[i], ref(op, double(ia[i]), 2.0));
    compare_scalar(op, DType::kInt64).sv(4, &ia[2], ib, y);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(y[i], ref(op, 3.0, double(ib[i])));
  }
}

// Python's rounding toward -inf for every sign pair, the divisor 0 and INT64_MIN / -1 (no trap).
TEST(IntegerKernelTest, FloorDivisionAndRemainderFollowPython) {
  const int64_t a[8] = {7, -7, 7, -7, 0, 5, INT64_MIN, 6};
  const int64_t b[8] = {2, 2, -2, -2, 3, 0, -1, 3};
  const int64_t want_div[8] = {3, -4, -4, 3, 0, 0, INT64_MIN, 2};
  const int64_t want_mod[8] = {1, 1, -1, -1, 0, 0, 0, 0};
  int64_t y[8];
  integer_binary_scalar(IntegerOp::kFloorDivide, DType::kInt64).vv(8, a, b, y);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y[i], want_div[i]) << a[i] << " // " << b[i];
  integer_binary_scalar(IntegerOp::kRemainder, DType::kInt64).vv(8, a, b, y);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y[i], want_mod[i]) << a[i] << " % " << b[i];
  const int64_t big = INT64_MAX;
  integer_binary_scalar(IntegerOp::kAdd, DType::kInt64).vs(1, &big, &a[0], y);  // wraps, as PyTorch's int64
  EXPECT_EQ(y[0], INT64_MIN + 6);
}

TEST(IntegerKernelTest, BoolOpsAreLogicalAndUndefinedOnesAreNull) {
  const uint8_t a[4] = {0, 0, 1, 1}, b[4] = {0, 1, 0, 1};
  uint8_t y[4];
  const std::pair<IntegerOp, std::array<uint8_t, 4>> cases[] = {{IntegerOp::kAnd, {0, 0, 0, 1}},
                                                                {IntegerOp::kOr, {0, 1, 1, 1}},
                                                                {IntegerOp::kXor, {0, 1, 1, 0}},
                                                                {IntegerOp::kMaximum, {0, 1, 1, 1}},
                                                                {IntegerOp::kMinimum, {0, 0, 0, 1}}};
  for (const auto& [op, want] : cases) {
    integer_binary_scalar(op, DType::kBool).vv(4, a, b, y);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], want[i]) << int(op) << " at " << i;
  }
  EXPECT_EQ(integer_binary_scalar(IntegerOp::kAdd, DType::kBool).vv, nullptr);
  EXPECT_EQ(integer_binary_scalar(IntegerOp::kAdd, DType::kFloat32).vv, nullptr);
  bool lt[4];
  compare_scalar(CompareOp::kLt, DType::kBool).vv(4, a, b, lt);
  EXPECT_TRUE(!lt[0] && lt[1] && !lt[2] && !lt[3]);
}

TEST(CompareKernelTest, SelectEveryElementSize) {
  const bool c[3] = {true, false, true};
  const uint8_t a1[3] = {1, 2, 3}, b1[3] = {9, 8, 7};
  const float a4[3] = {1, 2, 3}, b4[3] = {9, 8, 7};
  const int64_t a8[3] = {1, 2, 3}, b8[3] = {9, 8, 7};
  uint8_t y1[3];
  float y4[3];
  int64_t y8[3];
  select_scalar(3, 1, c, a1, b1, y1);
  select_scalar(3, 4, c, a4, b4, y4);
  select_scalar(3, 8, c, a8, b8, y8);
  EXPECT_EQ(y1[1], 8);
  EXPECT_EQ(y4[0], 1.f);
  EXPECT_EQ(y4[1], 8.f);
  EXPECT_EQ(y8[2], 3);
}

}  // namespace
}  // namespace wt

#include "kernels/index_ops.h"

namespace wt {
namespace {

TEST(IndexKernelTest, TopkSortsAndBreaksTiesByIndex) {
  const float x[6] = {1, 5, 3, 5, NAN, -2};
  float v[3];
  int64_t i[3];
  f32_topk_scalar({1, 6, 1}, 3, true, x, v, i, 0, 1);
  EXPECT_TRUE(std::isnan(v[0]));  // NaN is the largest
  EXPECT_EQ(i[0], 4);
  EXPECT_EQ(i[1], 1);  // 5 at index 1 before 5 at index 3
  EXPECT_EQ(i[2], 3);
  f32_topk_scalar({1, 6, 1}, 2, false, x, v, i, 0, 1);
  EXPECT_EQ(v[0], -2.f);
  EXPECT_EQ(v[1], 1.f);
}

// int64 topk and argmax/argmin against std::stable_sort over values 2^53 apart (a float32 round
// trip would merge them), along the middle axis of [2, 7, 3], every k, both directions.
TEST(IndexKernelTest, Int64TopkAndArgextremeAreExactAndStable) {
  const int64_t big = int64_t{1} << 53;
  std::vector<int64_t> x(2 * 7 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = big + int64_t((i * 37) % 5) - 2 * int64_t(i % 2);
  for (bool largest : {true, false}) {
    for (size_t k = 0; k <= 7; ++k) {
      std::vector<int64_t> values(2 * k * 3), indices(values.size());
      i64_topk_scalar({2, 7, 3}, k, largest, x.data(), values.data(), indices.data(), 0, 2);
      for (size_t o = 0; o < 2; ++o)
        for (size_t i = 0; i < 3; ++i) {
          std::vector<int64_t> order(7);
          std::iota(order.begin(), order.end(), 0);
          auto at = [&](int64_t a) { return x[(o * 7 + size_t(a)) * 3 + i]; };
          std::stable_sort(order.begin(), order.end(),
                           [&](int64_t a, int64_t b) { return largest ? at(a) > at(b) : at(a) < at(b); });
          for (size_t j = 0; j < k; ++j) {
            ASSERT_EQ(indices[(o * k + j) * 3 + i], order[j]) << largest << " k=" << k;
            ASSERT_EQ(values[(o * k + j) * 3 + i], at(order[j]));
          }
          int64_t arg;
          i64_argextreme_scalar({1, 7, 1}, largest, std::vector<int64_t>{at(0), at(1), at(2), at(3), at(4), at(5), at(6)}.data(),
                                &arg, 0, 1);
          ASSERT_EQ(arg, order[0]);  // the first of equal extremes
        }
    }
  }
}

TEST(IndexKernelTest, BadIndicesAreReportedAndZeroed) {
  const float x[4] = {1, 2, 3, 4};
  const int64_t idx[3] = {-1, 7, 0};
  float y[3];
  int64_t bad = INT64_MIN;
  index_select_scalar({1, 4, 1}, 3, sizeof(float), reinterpret_cast<const uint8_t*>(x), idx,
                      reinterpret_cast<uint8_t*>(y), 0, 1, &bad);
  EXPECT_EQ(y[0], 4.f);  // -1 counts from the end
  EXPECT_EQ(y[1], 0.f);
  EXPECT_EQ(bad, 7);
  EXPECT_EQ(y[2], 1.f);
}

TEST(IndexKernelTest, ArgmaxFirstOnTiesAndCumsum) {
  const float x[5] = {2, 7, 7, -1, 0};
  int64_t am;
  f32_argextreme_scalar({1, 5, 1}, true, x, &am, 0, 1);
  EXPECT_EQ(am, 1);
  f32_argextreme_scalar({1, 5, 1}, false, x, &am, 0, 1);
  EXPECT_EQ(am, 3);
  float c[5];
  f32_cumsum_scalar({1, 5, 1}, x, c, 0, 1);
  EXPECT_EQ(c[4], 15.f);
}

// int64 along the middle axis of [2, 3, 2], exact past 2^53 (no float round trip), wrapping at the top.
TEST(IndexKernelTest, Int64CumsumIsExactAndWraps) {
  const int64_t big = (int64_t{1} << 53) + 1;
  const int64_t x[12] = {1, big, 2, 1, 3, INT64_MAX, 4, 5, 6, 7, -8, 9};
  int64_t y[12];
  i64_cumsum_scalar({2, 3, 2}, x, y, 0, 2);
  const int64_t want[12] = {1, big, 3, big + 1, 6, static_cast<int64_t>(uint64_t(big + 1) + uint64_t(INT64_MAX)),
                            4, 5, 10, 12, 2, 21};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(y[i], want[i]) << i;
}

}  // namespace
}  // namespace wt

namespace wt {
namespace {

TEST(CopyStridedTest, NegativeStridesThroughWrapAroundReverseARow) {
  // flip: base at the last element, stride -1 as its unsigned two's complement.
  const float x[5] = {1, 2, 3, 4, 5};
  float y[5];
  StridedSpace src;
  src.rank = 1;
  src.size[0] = 5;
  src.stride[0] = static_cast<size_t>(0) - 1;
  copy_strided_scalar(src, 4, sizeof(float), reinterpret_cast<const uint8_t*>(x), reinterpret_cast<uint8_t*>(y), 0, 5);
  EXPECT_EQ(std::vector<float>(y, y + 5), (std::vector<float>{5, 4, 3, 2, 1}));
}

}  // namespace
}  // namespace wt

namespace wt {
namespace {

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

#include "kernels/f32_dwconv2d.h"
#include "kernels/simd128.h"

namespace wt {
namespace {

struct DepthwiseCase {
  size_t channels, h, w, kernel, stride, pad, dilation;
};

// Every combination whose window fits the padded input (the others are not convolutions).
std::vector<DepthwiseCase> depthwise_cases() {
  std::vector<DepthwiseCase> cases;
  for (size_t ch : {1, 3})
    for (size_t h : {1, 5, 12})  // planes that fit the scratch below: both paths
      for (size_t w : {1, 4, 7, 9, 16, 23, 37})
        for (size_t k : {1, 3, 5})
          for (size_t stride : {1, 2})
            for (size_t pad : {0, 1, 2})
              for (size_t dilation : {1, 2}) {
                const size_t span = dilation * (k - 1) + 1;
                if (h + 2 * pad >= span && w + 2 * pad >= span) cases.push_back({ch, h, w, k, stride, pad, dilation});
              }
  return cases;
}

class DepthwiseConv2dTest : public ::testing::TestWithParam<DepthwiseCase> {};

TEST_P(DepthwiseConv2dTest, SimdMatchesReference) {
  const auto [ch, h, w, k, stride, pad, dilation] = GetParam();
  const size_t oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  const size_t ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  const Conv2dGeometry g{2, ch, h, w, ch, oh, ow, k, k, stride, stride, pad, pad, dilation, dilation, ch};
  ASSERT_EQ(f32_dwconv2d_simd128_supports(g), bool(WT_HAVE_SIMD128));
  auto in = random_vector(2 * ch * h * w, 25), wt = random_vector(ch * k * k, 26), bias = random_vector(ch, 27);
  F32MinMax relu6;
  relu6.min = 0.f;
  relu6.max = 6.f;
  std::vector<float> ref(2 * ch * oh * ow);
  testing::conv2d_ref(g, in.data(), wt.data(), bias.data(), relu6, ref.data());
  // Without scratch (bounds-checked borders) and with it (planes copied into zero padding).
  std::vector<float> scratch(4096);
  for (size_t scratch_floats : {size_t{0}, scratch.size()}) {
    // Guard bands around the output catch out-of-range stores.
    std::vector<float> out(2 * ch * oh * ow + 16, -9.f);
    f32_dwconv2d_nchw_simd128(g, in.data(), wt.data(), bias.data(), relu6, out.data() + 8, 0, ch, scratch.data(),
                              scratch_floats);
    f32_dwconv2d_nchw_simd128(g, in.data(), wt.data(), bias.data(), relu6, out.data() + 8, ch, 2 * ch, scratch.data(),
                              scratch_floats);
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(out[8 + i], ref[i], 1e-5) << i << " scratch " << scratch_floats;
    for (size_t i = 0; i < 8; ++i) ASSERT_EQ(out[i], -9.f);
    for (size_t i = 0; i < 8; ++i) ASSERT_EQ(out[8 + ref.size() + i], -9.f);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseConv2dTest, ::testing::ValuesIn(depthwise_cases()));

}  // namespace
}  // namespace wt
