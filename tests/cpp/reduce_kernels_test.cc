// Reductions, softmax (whole rows and key blocks) and layer norm against references.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/f32_layer_norm.h"
#include "kernels/f32_reduce.h"
#include "kernels/f32_softmax.h"
#include "kernels/kernel_table.h"
#include "kernels/simd128.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// --- reductions -------------------------------------------------------------------------------
// A contiguous [3, 4, 5] tensor reduced over the axes whose bits are set in `mask`.
ReduceGeometry reduce_3x4x5(int mask, ReduceOp op) {
  const size_t dims[3] = {3, 4, 5}, strides[3] = {20, 5, 1};
  ReduceGeometry g{};
  g.op = op;
  for (int d = 0; d < 3; ++d) {
    StridedSpace& s = (mask >> d & 1) ? g.reduced : g.kept;
    s.size[s.rank] = dims[d];
    s.stride[s.rank++] = strides[d];
  }
  return g;
}

TEST(ReduceKernelTest, EveryAxisSubsetOfA3dTensorMatchesReference) {
  auto x = random_vector(60, 13);
  for (int mask = 1; mask < 8; ++mask) {
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kVar, ReduceOp::kProd}) {
      ReduceGeometry g = reduce_3x4x5(mask, op);
      g.correction = 1.0;
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
  std::vector<int64_t> x(60);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (int64_t{1} << 60) + int64_t(i * 7919 % 61) - 30;
  for (int mask = 1; mask < 8; ++mask) {
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kProd}) {
      const ReduceGeometry g = reduce_3x4x5(mask, op);
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

// A NaN anywhere in a row makes the whole row NaN, as in PyTorch: the SIMD128 max drops it (pmax),
// so it must still reach the sum. At the start of a row (the max's first vector), inside it (the
// main loop), and in its tail.
class SoftmaxNanTest : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(SoftmaxNanTest, RowWithANanIsAllNan) {
  const auto [n, at] = GetParam();
  if (at >= n) GTEST_SKIP() << "no element " << at;
  auto x = random_vector(n, 14, -5.f, 5.f);
  x[at] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> y(n, 0.f);
#if WT_HAVE_SIMD128
  f32_softmax_simd128(n, 1, x.data(), y.data());
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(std::isnan(y[i])) << "softmax, element " << i;
#endif
  for (F32SoftmaxBlockFn kernel : {reference_kernels().softmax_block, build_kernels().softmax_block}) {
    std::vector<float> p = x;
    float row_max = -INFINITY, row_sum = 0.f;
    kernel(n, p.data(), &row_max, &row_sum);
    ASSERT_TRUE(std::isnan(row_sum)) << "softmax_block's sum, which divides every probability";
  }
}

INSTANTIATE_TEST_SUITE_P(Positions, SoftmaxNanTest,
                         ::testing::Combine(::testing::Values(4, 7, 8, 37, 197), ::testing::Values(0, 3, 5, 17, 196)));

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
  for (F32SoftmaxBlockFn kernel : {reference_kernels().softmax_block, build_kernels().softmax_block}) {
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
  for (F32SoftmaxBlockFn kernel : {reference_kernels().softmax_block, build_kernels().softmax_block}) {
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

}  // namespace
}  // namespace wt
