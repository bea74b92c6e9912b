// Index kernels: topk, argmax/argmin, cumsum, gather bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/index_ops.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

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
