// Elementwise binary, comparison, integer and select kernels against references, every form.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/f32_vbinary.h"
#include "kernels/typed_binary.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

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
