// The GEMM microkernels (f32_gemm.h) against their scalar references, every output mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <utility>

#include "gemm_helpers.h"
#include "kernels/f32_gemm.h"
#include "kernels/kernel_table.h"
#include "kernels/simd128.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::gemm_activation;
using testing::random_vector;

F32GemmOutput output_mode(bool accumulate, bool finish, bool with_bias, const std::vector<float>& row_bias,
                          const std::vector<float>& col_bias, int act) {
  F32GemmOutput out;
  out.accumulate = accumulate;
  out.finish = finish;
  out.row_bias = with_bias ? row_bias.data() : nullptr;
  out.col_bias = with_bias ? col_bias.data() : nullptr;
  out.minmax = gemm_activation(act);
  return out;
}

// --- microkernels: SIMD128 against the scalar reference, every output mode --------------------
class GemmTileTest : public ::testing::TestWithParam<std::tuple<size_t, bool, bool, bool, int>> {};

TEST_P(GemmTileTest, SimdMatchesScalar) {
  const auto [k, accumulate, finish, with_bias, act] = GetParam();
  if (!WT_HAVE_SIMD128) GTEST_SKIP() << "this build has no SIMD128 kernels";
  const size_t lda = k + 3, ldb = kGemmNr + 5, ldc = kGemmNr + 2;
  auto a = random_vector(kGemmMr * lda, 1), b = random_vector((k + 1) * ldb, 2);
  auto row_bias = random_vector(kGemmMr, 3), col_bias = random_vector(kGemmNr, 4);
  const F32GemmOutput out = output_mode(accumulate, finish, with_bias, row_bias, col_bias, act);
  const auto c0 = random_vector(kGemmMr * ldc, 5);
  auto simd = c0, scalar = c0, simd_row = c0, scalar_row = c0;
  f32_gemm_4x8_scalar(k, a.data(), lda, b.data(), ldb, scalar.data(), ldc, out);
  build_kernels().gemm_4x8(k, a.data(), lda, b.data(), ldb, simd.data(), ldc, out);
#if WT_HAVE_RELAXED_SIMD
  auto relaxed = c0;
  f32_gemm_4x8_relaxedsimd(k, a.data(), lda, b.data(), ldb, relaxed.data(), ldc, out);
  for (size_t i = 0; i < c0.size(); ++i) ASSERT_NEAR(relaxed[i], scalar[i], 1e-5 * (1 + k)) << "relaxed " << i;
  // 5x8: its first four rows are the 4x8 tile's, its fifth a 1x8 row.
  auto a5 = random_vector(kGemmMaxMr * lda, 6);
  std::copy(a.begin(), a.end(), a5.begin());
  std::vector<float> rb5 = {row_bias[0], row_bias[1], row_bias[2], row_bias[3], 0.5f};
  F32GemmOutput out5 = out;
  out5.row_bias = with_bias ? rb5.data() : nullptr;
  auto c5 = random_vector(kGemmMaxMr * ldc, 7), ref5 = c5;
  std::copy(c0.begin(), c0.end(), c5.begin());
  std::copy(c0.begin(), c0.end(), ref5.begin());
  f32_gemm_5x8_relaxedsimd(k, a5.data(), lda, b.data(), ldb, c5.data(), ldc, out5);
  f32_gemm_4x8_scalar(k, a5.data(), lda, b.data(), ldb, ref5.data(), ldc, out5);
  F32GemmOutput row4 = out5;
  row4.row_bias = with_bias ? rb5.data() + 4 : nullptr;
  f32_gemm_1x8_scalar(k, a5.data() + 4 * lda, b.data(), ldb, ref5.data() + 4 * ldc, row4);
  for (size_t i = 0; i < c5.size(); ++i) ASSERT_NEAR(c5[i], ref5[i], 1e-5 * (1 + k)) << "5x8 " << i;
#endif
  f32_gemm_1x8_scalar(k, a.data(), b.data(), ldb, scalar_row.data(), out);
  build_kernels().gemm_1x8(k, a.data(), b.data(), ldb, simd_row.data(), out);
  for (size_t i = 0; i < c0.size(); ++i) {
    ASSERT_NEAR(simd[i], scalar[i], 1e-5 * (1 + k)) << i;
    ASSERT_NEAR(simd_row[i], scalar_row[i], 1e-5 * (1 + k)) << i;
  }
  for (size_t j = kGemmNr; j < ldc; ++j) ASSERT_EQ(simd[j], c0[j]) << "wrote past the tile";
}

// The main tile and the 4-row tile across three panels at an odd stride in one call, against the
// scalar 4x8 / 1x8 references panel by panel; C has a guard column past the 24 it owns.
TEST_P(GemmTileTest, PanelStripMatchesScalar) {
  const auto [k, accumulate, finish, with_bias, act] = GetParam();
  const size_t panels = 3, stride = k * kGemmNr + 5, lda = k + 3, ldc = panels * kGemmNr + 1;
  auto a = random_vector(kGemmMaxMr * lda, 1), b = random_vector(panels * stride, 2);
  auto row_bias = random_vector(kGemmMaxMr, 3), col_bias = random_vector(panels * kGemmNr, 4);
  const F32GemmOutput out = output_mode(accumulate, finish, with_bias, row_bias, col_bias, act);
  const auto c0 = random_vector(kGemmMaxMr * ldc, 5);
  const F32GemmTile main_tile = build_kernels().gemm_tile;
  for (const auto& [rows, strip] :
       {std::pair{kGemmMr, build_kernels().gemm_4x8_panels}, std::pair{main_tile.rows, main_tile.panels_fn}}) {
    auto best = c0, scalar = c0;
    strip(k, a.data(), lda, b.data(), stride, panels, best.data(), ldc, out);
    for (size_t q = 0; q < panels; ++q) {
      F32GemmOutput o = out;
      if (with_bias) o.col_bias = col_bias.data() + q * kGemmNr;
      f32_gemm_4x8_scalar(k, a.data(), lda, b.data() + q * stride, kGemmNr, scalar.data() + q * kGemmNr, ldc, o);
      if (rows == kGemmMaxMr) {
        o.row_bias = with_bias ? row_bias.data() + kGemmMr : nullptr;
        f32_gemm_1x8_scalar(k, a.data() + kGemmMr * lda, b.data() + q * stride, kGemmNr,
                            scalar.data() + kGemmMr * ldc + q * kGemmNr, o);
      }
    }
    for (size_t r = 0; r < rows; ++r) {
      for (size_t j = 0; j < ldc; ++j) {
        ASSERT_NEAR(best[r * ldc + j], scalar[r * ldc + j], 1e-5 * (1 + k)) << rows << " rows, " << r << "," << j;
      }
      ASSERT_EQ(best[r * ldc + ldc - 1], c0[r * ldc + ldc - 1]) << "wrote past the panels";
    }
    for (size_t i = rows * ldc; i < c0.size(); ++i) ASSERT_EQ(best[i], c0[i]) << "wrote past the rows";
  }
}

// One column as dot products for 9 rows (two 4-row groups and one row), A and C at odd strides.
TEST_P(GemmTileTest, DotColumnMatchesScalar) {
  const auto [k, accumulate, finish, with_bias, act] = GetParam();
  const size_t rows = 9, lda = k + 3, ldc = 3;
  auto a = random_vector(rows * lda, 1), b = random_vector(k + 1, 2);
  auto row_bias = random_vector(rows, 3), col_bias = random_vector(1, 4);
  const F32GemmOutput out = output_mode(accumulate, finish, with_bias, row_bias, col_bias, act);
  const auto c0 = random_vector(rows * ldc, 5);
  auto best = c0, scalar = c0;
  f32_gemm_dot_scalar(rows, k, a.data(), lda, b.data(), scalar.data(), ldc, out);
  build_kernels().gemm_dot(rows, k, a.data(), lda, b.data(), best.data(), ldc, out);
  for (size_t r = 0; r < rows; ++r) {
    double acc = 0.0;
    for (size_t p = 0; p < k; ++p) acc += double(a[r * lda + p]) * b[p];
    if (accumulate) acc += c0[r * ldc];
    if (finish && with_bias) acc += double(row_bias[r]) + col_bias[0];
    const double expected = finish ? testing::clamp_ref(acc, out.minmax) : acc;
    ASSERT_NEAR(scalar[r * ldc], expected, 1e-5 * (1 + k)) << r;
    ASSERT_NEAR(best[r * ldc], scalar[r * ldc], 1e-5 * (1 + k)) << r;
    for (size_t j = 1; j < ldc; ++j) ASSERT_EQ(best[r * ldc + j], c0[r * ldc + j]) << "wrote outside the column";
  }
}

// One row over four panels at once: panels apart at an odd stride (8-wide panels), or side by side
// in rows 32 (32-wide panels) or an odd 37 floats apart; 32 columns of C plus a guard.
TEST_P(GemmTileTest, QuadPanelRowMatchesScalar) {
  const auto [k, accumulate, finish, with_bias, act] = GetParam();
  const size_t cols = 4 * kGemmNr;
  struct Geometry {
    size_t panel_stride, ldb;
  };
  for (const Geometry g : {Geometry{k * kGemmNr + 3, kGemmNr}, Geometry{kGemmNr, cols}, Geometry{kGemmNr, 37}}) {
    auto a = random_vector(k + 1, 1), b = random_vector(3 * g.panel_stride + k * g.ldb + kGemmNr, 2);
    auto row_bias = random_vector(1, 3), col_bias = random_vector(cols, 4);
    const F32GemmOutput out = output_mode(accumulate, finish, with_bias, row_bias, col_bias, act);
    const auto c0 = random_vector(cols + 1, 5);
    auto best = c0, scalar = c0;
    f32_gemm_1x32_scalar(k, a.data(), b.data(), g.panel_stride, g.ldb, scalar.data(), out);
    build_kernels().gemm_1x32(k, a.data(), b.data(), g.panel_stride, g.ldb, best.data(), out);
    for (size_t j = 0; j < cols; ++j) {
      const size_t q = j / kGemmNr;
      double acc = 0.0;
      for (size_t p = 0; p < k; ++p) acc += double(a[p]) * b[q * g.panel_stride + p * g.ldb + j % kGemmNr];
      if (accumulate) acc += c0[j];
      if (finish && with_bias) acc += double(row_bias[0]) + col_bias[j];
      const double expected = finish ? testing::clamp_ref(acc, out.minmax) : acc;
      ASSERT_NEAR(scalar[j], expected, 1e-5 * (1 + k)) << j << " ldb " << g.ldb;
      ASSERT_NEAR(best[j], scalar[j], 1e-5 * (1 + k)) << j << " ldb " << g.ldb;
    }
    ASSERT_EQ(best[cols], c0[cols]) << "wrote past the 32 columns";
  }
}

// One row over 32 columns of half weights, rows 32 halves apart: every kind of half (normal,
// subnormal, zero, negative zero) against the definition; the row scaled by the rebias (out_scale
// 1) or by less, the sums scaled back (out_scale 32: rows of 2^16 and beyond).
TEST_P(GemmTileTest, HalfWeightQuadPanelRowMatchesDefinition) {
  const auto [k, accumulate, finish, with_bias, act] = GetParam();
  const size_t cols = 4 * kGemmNr;
  std::vector<uint16_t> b(k * cols);
  std::mt19937 rng(9);
  for (uint16_t& h : b) {
    h = static_cast<uint16_t>(rng() % 0x4400);  // exponents 0..16: magnitudes below 4, subnormals and zeros among them
    if (rng() % 2) h |= 0x8000;
  }
  if (!b.empty()) b[0] = 0x8000, b[1] = 0x0001, b[cols - 1] = 0x03ff;  // -0, the least and the largest subnormal
  auto row_bias = random_vector(1, 3), col_bias = random_vector(cols, 4);
  const F32GemmOutput out = output_mode(accumulate, finish, with_bias, row_bias, col_bias, act);
  for (const float out_scale : {1.f, 32.f}) {
    const auto a = random_vector(k + 1, 1, -out_scale, out_scale);
    std::vector<float> a_scaled(a.size());
    for (size_t p = 0; p < a.size(); ++p) a_scaled[p] = a[p] * (kHalfRebias / out_scale);
    const auto c0 = random_vector(cols + 1, 5);
    auto best = c0, scalar = c0;
    f32_f16w_gemm_1x32_scalar(k, a_scaled.data(), b.data(), out_scale, scalar.data(), out);
    build_kernels().f16w_gemm_1x32(k, a_scaled.data(), b.data(), out_scale, best.data(), out);
    const double tolerance = 1e-5 * (1 + k) * 4 * out_scale;
    for (size_t j = 0; j < cols; ++j) {
      double acc = 0.0;
      for (size_t p = 0; p < k; ++p) acc += double(a[p]) * testing::decode_half(b[p * cols + j]);
      if (accumulate) acc += c0[j];
      if (finish && with_bias) acc += double(row_bias[0]) + col_bias[j];
      const double expected = finish ? testing::clamp_ref(acc, out.minmax) : acc;
      ASSERT_NEAR(scalar[j], expected, tolerance) << j << " out_scale " << out_scale;
      ASSERT_NEAR(best[j], scalar[j], tolerance) << j << " out_scale " << out_scale;
    }
    ASSERT_EQ(best[cols], c0[cols]) << "wrote past the 32 columns";
  }
}

// The row-streaming GEMV: odd k (the 4-row steps' tail) and n (the 8-column vectors' tail).
TEST(GemvTest, SimdMatchesScalarAndReference) {
  for (size_t k : {0, 1, 5, 8, 67})
    for (size_t n : {1, 7, 8, 19, 64}) {
      const size_t ldb = n + 3;
      auto a = random_vector(k + 1, 1), b = random_vector((k + 1) * ldb, 2), col_bias = random_vector(n, 3);
      const float row_bias = 0.25f;
      F32GemmOutput out;
      out.row_bias = &row_bias;
      out.col_bias = col_bias.data();
      out.minmax = gemm_activation(2);
      std::vector<float> scalar(n + 1, 9.f), best(n + 1, 9.f);
      f32_gemv_4x1_scalar(k, n, a.data(), b.data(), ldb, scalar.data(), out);
      build_kernels().gemv(k, n, a.data(), b.data(), ldb, best.data(), out);
      for (size_t j = 0; j < n; ++j) {
        double acc = row_bias + col_bias[j];
        for (size_t q = 0; q < k; ++q) acc += double(a[q]) * b[q * ldb + j];
        ASSERT_NEAR(scalar[j], testing::clamp_ref(acc, out.minmax), 1e-5 * (1 + k)) << k << "," << n << "," << j;
        ASSERT_NEAR(best[j], scalar[j], 1e-5 * (1 + k)) << k << "," << n << "," << j;
      }
      ASSERT_EQ(best[n], 9.f) << "wrote past n";
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, GemmTileTest,
                         ::testing::Combine(::testing::Values(0, 1, 5, 64), ::testing::Bool(), ::testing::Bool(),
                                            ::testing::Bool(), ::testing::Values(0, 1, 2)));

// --- the indirect tile: rows through per-tap pointers, some of them the zero vector -------------
class IgemmTileTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, bool, bool, int>> {};

TEST_P(IgemmTileTest, MatchesDirectSumsAndSimdMatchesScalar) {
  const auto [rows, taps, kc, accumulate, with_bias, act] = GetParam();
  const size_t panels = 3, k = taps * kc, stride = k * kGemmNr + 3, ldc = panels * kGemmNr + 2;
  // The image: a row per (tap, row) at an odd stride; every third pointer is the zero vector.
  const size_t lda = kc + 5;
  auto image = random_vector(taps * kGemmMr * lda, 1), b = random_vector(panels * stride, 2);
  const std::vector<float> zeros(kc, 0.f);
  std::vector<const float*> a(taps * kGemmMr);
  for (size_t i = 0; i < a.size(); ++i) a[i] = i % 3 == 2 ? zeros.data() : image.data() + i * lda;
  auto row_bias = random_vector(kGemmMr, 3), col_bias = random_vector(panels * kGemmNr, 4);
  const F32GemmOutput out = output_mode(accumulate, true, with_bias, row_bias, col_bias, act);
  const auto c0 = random_vector(kGemmMr * ldc, 5);
  auto scalar = c0;
  f32_igemm_4x8_panels_scalar(rows, taps, kc, a.data(), b.data(), stride, panels, scalar.data(), ldc, out);
  for (size_t r = 0; r < kGemmMr; ++r) {
    for (size_t j = 0; j < ldc; ++j) {
      const size_t at = r * ldc + j;
      if (r >= rows || j >= panels * kGemmNr) {
        ASSERT_EQ(scalar[at], c0[at]) << "the reference wrote past the tile at " << r << "," << j;
        continue;
      }
      const size_t q = j / kGemmNr, col = j % kGemmNr;
      double sum = accumulate ? c0[at] : 0.0;
      for (size_t t = 0; t < taps; ++t) {
        for (size_t p = 0; p < kc; ++p) {
          sum += double(a[t * kGemmMr + r][p]) * b[q * stride + (t * kc + p) * kGemmNr + col];
        }
      }
      if (with_bias) sum += double(row_bias[r]) + col_bias[j];
      const double expected = std::min<double>(std::max<double>(sum, out.minmax.min), out.minmax.max);
      ASSERT_NEAR(scalar[at], expected, 1e-5 * (1 + k)) << r << "," << j;
    }
  }
  std::vector<std::pair<const char*, F32IgemmPanelsFn>> kernels = {{"build", build_kernels().igemm_4x8_panels}};
#if WT_HAVE_RELAXED_SIMD
  kernels.emplace_back("relaxed", f32_igemm_4x8_panels_relaxedsimd);
#endif
  for (const auto& [name, fn] : kernels) {
    auto got = c0;
    fn(rows, taps, kc, a.data(), b.data(), stride, panels, got.data(), ldc, out);
    for (size_t i = 0; i < c0.size(); ++i) ASSERT_NEAR(got[i], scalar[i], 1e-5 * (1 + k)) << name << " " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, IgemmTileTest,
                         ::testing::Combine(::testing::Values(1, 3, 4), ::testing::Values(1, 2, 9),
                                            ::testing::Values(1, 3, 8, 17), ::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values(0, 2)));

// --- the indirect tile over two groups of 4 columns: each half reads its own channels and panel ---
class IgemmGroupPairsTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, bool, bool, int>> {};

TEST_P(IgemmGroupPairsTest, MatchesDirectSumsAndSimdMatchesScalar) {
  const auto [rows, taps, kc, accumulate, with_bias, act] = GetParam();
  const size_t k = taps * kc, stride = k * kGemmNr + 3, ldc = kGemmNr + 5;
  // A pixel per (tap, row) holds both groups' channels (kc each) at an odd stride; every third
  // pointer is the zero vector. Lanes 4-7 of each panel are padding the tile must not read.
  const size_t lda = 2 * kc + 3;
  auto image = random_vector(taps * kGemmMr * lda, 1), b = random_vector(2 * stride, 2);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i % stride < k * kGemmNr && i % stride % kGemmNr >= 4) b[i] = std::nanf("");
  }
  const std::vector<float> zeros(2 * kc, 0.f);
  std::vector<const float*> a(taps * kGemmMr);
  for (size_t i = 0; i < a.size(); ++i) a[i] = i % 3 == 2 ? zeros.data() : image.data() + i * lda;
  auto row_bias = random_vector(kGemmMr, 3), col_bias = random_vector(kGemmNr, 4);
  const F32GemmOutput out = output_mode(accumulate, true, with_bias, row_bias, col_bias, act);
  const auto c0 = random_vector(kGemmMr * ldc, 5);
  auto scalar = c0;
  f32_igemm_4x8_group_pairs_scalar(rows, taps, kc, a.data(), b.data(), stride, scalar.data(), ldc, out);
  for (size_t r = 0; r < kGemmMr; ++r) {
    for (size_t j = 0; j < ldc; ++j) {
      const size_t at = r * ldc + j;
      if (r >= rows || j >= kGemmNr) {
        ASSERT_EQ(scalar[at], c0[at]) << "the reference wrote past the tile at " << r << "," << j;
        continue;
      }
      const size_t group = j / 4;
      double sum = accumulate ? c0[at] : 0.0;
      for (size_t t = 0; t < taps; ++t) {
        for (size_t p = 0; p < kc; ++p) {
          sum += double(a[t * kGemmMr + r][group * kc + p]) * b[group * stride + (t * kc + p) * kGemmNr + j % 4];
        }
      }
      if (with_bias) sum += double(row_bias[r]) + col_bias[j];
      const double expected = std::min<double>(std::max<double>(sum, out.minmax.min), out.minmax.max);
      ASSERT_NEAR(scalar[at], expected, 1e-5 * (1 + k)) << r << "," << j;
    }
  }
  std::vector<std::pair<const char*, F32IgemmGroupPairsFn>> kernels = {
      {"build", build_kernels().igemm_4x8_group_pairs}};
#if WT_HAVE_RELAXED_SIMD
  kernels.emplace_back("relaxed", f32_igemm_4x8_group_pairs_relaxedsimd);
#endif
  for (const auto& [name, fn] : kernels) {
    auto got = c0;
    fn(rows, taps, kc, a.data(), b.data(), stride, got.data(), ldc, out);
    for (size_t i = 0; i < c0.size(); ++i) ASSERT_NEAR(got[i], scalar[i], 1e-5 * (1 + k)) << name << " " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, IgemmGroupPairsTest,
                         ::testing::Combine(::testing::Values(1, 3, 4), ::testing::Values(1, 2, 9),
                                            ::testing::Values(1, 4, 17), ::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values(0, 2)));

}  // namespace
}  // namespace wt
