// The GEMM microkernels against their scalar references, and the blocked driver (packing, k and
// n blocking, row splits over threads, implicit im2col) against double-precision products.
#include "ops/gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "kernels/f32_gemm.h"
#include "kernels/kernel_table.h"
#include "kernels/simd128.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

F32MinMax activation(int act) {
  F32MinMax mm;
  if (act >= 1) mm.min = 0.f;
  if (act == 2) mm.max = 0.25f;
  return mm;
}

F32GemmOutput output_mode(bool accumulate, bool finish, bool with_bias, const std::vector<float>& row_bias,
                          const std::vector<float>& col_bias, int act) {
  F32GemmOutput out;
  out.accumulate = accumulate;
  out.finish = finish;
  out.row_bias = with_bias ? row_bias.data() : nullptr;
  out.col_bias = with_bias ? col_bias.data() : nullptr;
  out.minmax = activation(act);
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
      out.minmax = activation(2);
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

// --- the driver: dense B as linear's [N, K] or matmul's [K, N], padded rows ---------------------
class GemmDriverTest
    : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, bool, int, bool, int, bool>> {};

// C's initial values (a residual the GEMM accumulates onto) when `accumulate`, else a marker the
// GEMM must overwrite; past each row's n columns, a marker it must leave alone.
std::vector<float> initial_c(size_t m, size_t n, size_t ldc, bool accumulate) {
  std::vector<float> c = accumulate ? random_vector(m * ldc, 5) : std::vector<float>(m * ldc, -7.f);
  for (size_t i = 0; i < m; ++i) std::fill(c.begin() + i * ldc + n, c.begin() + (i + 1) * ldc, -7.f);
  return c;
}

TEST_P(GemmDriverTest, MatchesReference) {
  const auto [m, n, k, with_bias, act, b_transposed, threads, accumulate] = GetParam();
  const size_t lda = k + 3, ldc = n + 2;
  const size_t b_stride_n = b_transposed ? k + 1 : 1, b_stride_k = b_transposed ? 1 : n + 1;
  auto a = random_vector(m * lda, 1), b = random_vector((n + 1) * (k + 1), 2);
  auto col_bias = random_vector(n, 3), row_bias = random_vector(m, 4);
  std::vector<float> c = initial_c(m, n, ldc, accumulate);
  const std::vector<float> c0 = c;
  GemmProblem p{m, n, k, a.data(), lda, c.data(), ldc};
  p.accumulate = accumulate;
  p.row_bias = with_bias ? row_bias.data() : nullptr;
  p.col_bias = with_bias ? col_bias.data() : nullptr;
  p.minmax = activation(act);
  std::vector<float> shared(gemm_shared_pack_bytes(n, k) / sizeof(float));
  p.shared_pack = shared.empty() ? nullptr : shared.data();  // used when 2 threads split m = 40
  ThreadPool pool(threads);
  run_gemm(p, DenseB(b.data(), b_stride_n, b_stride_k, n), pool);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double acc = (with_bias ? double(col_bias[j]) + row_bias[i] : 0.0) + (accumulate ? c0[i * ldc + j] : 0.0);
      for (size_t q = 0; q < k; ++q) acc += double(a[i * lda + q]) * b[j * b_stride_n + q * b_stride_k];
      ASSERT_NEAR(c[i * ldc + j], testing::clamp_ref(acc, p.minmax), 1e-5 * (1 + k)) << i << "," << j;
    }
    for (size_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.f) << "wrote past the row";
  }
}

// B in the exporter's panel layouts [ceil(n/w), k, w] (w = 8 or 32: linear weights), read in place
// or packed from at every m.
class GemmPanelTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, int, int, size_t, bool>> {};

TEST_P(GemmPanelTest, MatchesReference) {
  const auto [m, n, k, act, threads, width, accumulate] = GetParam();
  const size_t lda = k + 3, ldc = n + 2, panels = (n + width - 1) / width;
  auto a = random_vector(m * lda, 1), b = random_vector(k * n, 2), col_bias = random_vector(n, 3);
  std::vector<float> packed(panels * k * width, 0.f);
  for (size_t q = 0; q < k; ++q)
    for (size_t j = 0; j < n; ++j) packed[(j / width * k + q) * width + j % width] = b[q * n + j];
  std::vector<float> c = initial_c(m, n, ldc, accumulate);
  const std::vector<float> c0 = c;
  GemmProblem p{m, n, k, a.data(), lda, c.data(), ldc};
  p.accumulate = accumulate;
  p.col_bias = col_bias.data();
  p.minmax = activation(act);
  ThreadPool pool(threads);
  run_gemm(p, PanelB(packed.data(), k, width), pool);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double acc = col_bias[j] + (accumulate ? c0[i * ldc + j] : 0.0);
      for (size_t q = 0; q < k; ++q) acc += double(a[i * lda + q]) * b[q * n + j];
      ASSERT_NEAR(c[i * ldc + j], testing::clamp_ref(acc, p.minmax), 1e-5 * (1 + k)) << i << "," << j;
    }
    for (size_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.f) << "wrote past the row";
  }
  // Packing from panels (what a driver path that packs reads) gives the dense packing.
  const size_t n8 = (n + kGemmNr - 1) / kGemmNr * kGemmNr;
  std::vector<float> from_panels(k * n8), from_dense(from_panels.size());
  PanelB(packed.data(), k, width).pack({0, k, 0, n}, from_panels.data());
  DenseB(b.data(), 1, n, n).pack({0, k, 0, n}, from_dense.data());
  ASSERT_EQ(from_panels, from_dense);
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmPanelTest,
                         ::testing::Combine(::testing::Values(1, 3, 5, 9, 40), ::testing::Values(1, 7, 8, 9, 40, 130),
                                            ::testing::Values(0, 1, 7, 300, 1100), ::testing::Values(0, 2),
                                            ::testing::Values(1, 2), ::testing::Values(8, 32), ::testing::Bool()));
// Taller than one block of rows (kMc = 100): 101 leaves a one-row block, 203 three blocks.
INSTANTIATE_TEST_SUITE_P(RowBlocks, GemmPanelTest,
                         ::testing::Combine(::testing::Values(100, 101, 203), ::testing::Values(9, 130, 264),
                                            ::testing::Values(257, 600), ::testing::Values(2), ::testing::Values(1, 2),
                                            ::testing::Values(8, 32), ::testing::Bool()));
// Single rows over 32-wide panels split by columns: whole groups per task (n = 1000 ends in a
// partial group), at 1-3 threads.
INSTANTIATE_TEST_SUITE_P(Streams, GemmPanelTest,
                         ::testing::Combine(::testing::Values(1, 2), ::testing::Values(96, 264, 1000),
                                            ::testing::Values(33), ::testing::Values(0), ::testing::Values(1, 2, 3),
                                            ::testing::Values(32), ::testing::Bool()));

// n = 130 spans two column blocks; m >= 8 packs B; the RowBlocks suite spans k blocks (k = 600).
INSTANTIATE_TEST_SUITE_P(Shapes, GemmDriverTest,
                         ::testing::Combine(::testing::Values(1, 3, 5, 9, 17, 40), ::testing::Values(1, 7, 8, 9, 24, 130),
                                            ::testing::Values(0, 1, 7, 64, 300), ::testing::Bool(),
                                            ::testing::Values(0, 2), ::testing::Bool(), ::testing::Values(1, 2),
                                            ::testing::Values(false)));
INSTANTIATE_TEST_SUITE_P(RowBlocks, GemmDriverTest,
                         ::testing::Combine(::testing::Values(101, 203), ::testing::Values(9, 130), ::testing::Values(600),
                                            ::testing::Values(true), ::testing::Values(2), ::testing::Bool(),
                                            ::testing::Values(1, 2), ::testing::Bool()));
// Onto C's values (linear's fused residual): the GEMV shape (m < 4) takes the tiled path then.
INSTANTIATE_TEST_SUITE_P(Accumulate, GemmDriverTest,
                         ::testing::Combine(::testing::Values(1, 3, 9, 40), ::testing::Values(7, 130),
                                            ::testing::Values(7, 300), ::testing::Values(true), ::testing::Values(2),
                                            ::testing::Bool(), ::testing::Values(1, 2), ::testing::Values(true)));

// --- the implicit im2col source: convolution as GEMM without an im2col buffer ----------------
class Im2colGemmTest : public ::testing::TestWithParam<std::tuple<Conv2dGeometry, int>> {};

TEST_P(Im2colGemmTest, MatchesDirectConvolution) {
  const auto [g, threads] = GetParam();
  const size_t rows = g.in_channels * g.kernel_h * g.kernel_w, cols = g.out_h * g.out_w;
  auto in = random_vector(g.in_channels * g.in_h * g.in_w, 4), w = random_vector(g.out_channels * rows, 5);
  auto bias = random_vector(g.out_channels, 6);
  std::vector<float> out(g.out_channels * cols), ref(out.size());
  GemmProblem p{g.out_channels, cols, rows, w.data(), rows, out.data(), cols};
  p.row_bias = bias.data();
  std::vector<float> shared(gemm_shared_pack_bytes(cols, rows) / sizeof(float));
  p.shared_pack = shared.empty() ? nullptr : shared.data();
  ThreadPool pool(threads);
  run_gemm(p, Im2colB(g, in.data()), pool);
  testing::conv2d_ref(g, in.data(), w.data(), bias.data(), F32MinMax{}, ref.data());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], ref[i], 1e-4 * (1 + rows)) << i;
}

Conv2dGeometry conv(size_t cin, size_t h, size_t w, size_t cout, size_t k, size_t stride, size_t pad, size_t dil) {
  const size_t oh = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1, ow = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1;
  return {1, cin, h, w, cout, oh, ow, k, k, stride, stride, pad, pad, dil, dil, 1};
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Im2colGemmTest,
    ::testing::Combine(::testing::Values(conv(3, 7, 5, 4, 3, 1, 1, 1), conv(5, 9, 11, 9, 3, 2, 1, 1),
                                         conv(2, 11, 10, 3, 3, 1, 2, 2), conv(3, 6, 6, 5, 1, 1, 0, 1),
                                         conv(2, 5, 5, 2, 5, 3, 2, 1),
                                         conv(32, 17, 19, 12, 3, 1, 1, 1),  // k = 288: two k blocks
                                         conv(4, 23, 23, 16, 3, 2, 0, 1),
                                         conv(64, 7, 7, 40, 3, 1, 1, 1),     // shared pack
                                         conv(64, 14, 14, 40, 3, 1, 1, 1)),  // shared: 3 x 2 blocks
                       ::testing::Values(1, 2)));

// --- how strips of rows are cut into tiles ----------------------------------------------------
TEST(GemmRowTiles, CoverEveryRowAndLeaveNoSingleRowsFromTwelveUp) {
  for (size_t main_rows : {size_t{4}, size_t{5}}) {
    for (size_t rows = 0; rows <= 300; ++rows) {
      const GemmRowTiles t = gemm_row_tiles(rows, main_rows);
      ASSERT_EQ(t.main * main_rows + t.quads * kGemmMr + t.singles, rows) << main_rows << " " << rows;
      ASSERT_LT(t.singles, kGemmMr) << main_rows << " " << rows;
      if (main_rows == 5 && rows >= 12) {
        ASSERT_EQ(t.singles, 0u) << rows;
      }
      if (main_rows == 4) {
        ASSERT_EQ(t.main, rows / 4) << rows;
      }
    }
  }
  const GemmRowTiles bert = gemm_row_tiles(128, 5);
  EXPECT_EQ(bert.main, 24u);
  EXPECT_EQ(bert.quads, 2u);
}

}  // namespace
}  // namespace wt
