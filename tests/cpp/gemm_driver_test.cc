// The blocked GEMM driver run as ops run it (planned, then executed): packing, k and n blocking,
// row and column splits over threads, B dense, in panels or an implicit im2col, against
// double-precision products.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "gemm/gemm_driver.h"
#include "gemm_helpers.h"
#include "kernels/kernel_table.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::gemm_activation;
using testing::random_vector;

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
  GemmShape shape{m, n, k, DenseB::storage(b_stride_n)};
  shape.accumulate = accumulate;
  GemmArgs p{&default_kernels(), a.data(), lda, c.data(), ldc};
  p.row_bias = with_bias ? row_bias.data() : nullptr;
  p.col_bias = with_bias ? col_bias.data() : nullptr;
  p.minmax = gemm_activation(act);
  ThreadPool pool(threads, kGemmThreadScratchBytes);
  testing::plan_and_run_gemm(shape, p, DenseB(b.data(), b_stride_n, b_stride_k), pool);
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
  GemmShape shape{m, n, k, GemmBStorage::kPanels, width};
  shape.accumulate = accumulate;
  GemmArgs p{&default_kernels(), a.data(), lda, c.data(), ldc};
  p.col_bias = col_bias.data();
  p.minmax = gemm_activation(act);
  ThreadPool pool(threads, kGemmThreadScratchBytes);
  testing::plan_and_run_gemm(shape, p, PanelB(packed.data(), k, width), pool);
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
  DenseB(b.data(), 1, n).pack({0, k, 0, n}, from_dense.data());
  ASSERT_EQ(from_panels, from_dense);
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmPanelTest,
                         ::testing::Combine(::testing::Values(1, 3, 5, 9, 40), ::testing::Values(1, 7, 8, 9, 40, 130),
                                            ::testing::Values(0, 1, 7, 300, 1100), ::testing::Values(0, 2),
                                            ::testing::Values(1, 2), ::testing::Values(8, 32), ::testing::Bool()));
// Taller than one block of rows (kGemmMc = 100): 101 leaves a one-row block, 203 three blocks.
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

// Weights of 1 MiB or more (read ahead: the next k block's, then the next task's first): k = 1025
// in three blocks, the last column block partial (n = 1000), one or several row blocks.
INSTANTIATE_TEST_SUITE_P(ReadAhead, GemmPanelTest,
                         ::testing::Combine(::testing::Values(9, 101), ::testing::Values(264, 1000),
                                            ::testing::Values(1025), ::testing::Values(0), ::testing::Values(1, 2),
                                            ::testing::Values(8), ::testing::Bool()));

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

// Shallower k blocks (gemm_depth_block, O3's tuning) compute the same product: B dense, in panels
// and in 32-wide panels, at 1 and 2 threads, against the default depth (checked above).
class GemmDepthBlockTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, int, bool>> {};

TEST_P(GemmDepthBlockTest, MatchesTheDefaultDepth) {
  const auto [m, n, k, depth, threads, in_panels] = GetParam();
  auto a = random_vector(m * k, 1), b = random_vector(k * n, 2), col_bias = random_vector(n, 3);
  std::vector<float> panels((n + kGemmNr - 1) / kGemmNr * k * kGemmNr, 0.f);
  for (size_t q = 0; q < k; ++q)
    for (size_t j = 0; j < n; ++j) panels[(j / kGemmNr * k + q) * kGemmNr + j % kGemmNr] = b[q * n + j];
  ThreadPool pool(threads, kGemmThreadScratchBytes);
  auto product = [&](size_t depth_block) {
    std::vector<float> c(m * n, -7.f);
    GemmShape shape{m, n, k, in_panels ? GemmBStorage::kPanels : DenseB::storage(1)};
    shape.depth_block = depth_block;
    GemmArgs p{&default_kernels(), a.data(), k, c.data(), n};
    p.col_bias = col_bias.data();
    p.minmax = gemm_activation(1);
    if (in_panels) {
      testing::plan_and_run_gemm(shape, p, PanelB(panels.data(), k, kGemmNr), pool);
    } else {
      testing::plan_and_run_gemm(shape, p, DenseB(b.data(), 1, n), pool);
    }
    return c;
  };
  const std::vector<float> expected = product(kGemmKc), got = product(depth);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-5 * (1 + k)) << i;
}

INSTANTIATE_TEST_SUITE_P(Depths, GemmDepthBlockTest,
                         ::testing::Combine(::testing::Values(1, 5, 40, 101), ::testing::Values(9, 130),
                                            ::testing::Values(300, 1100), ::testing::Values(1, 128, 256, 299),
                                            ::testing::Values(1, 2), ::testing::Bool()));

// --- the implicit im2col source: convolution as GEMM without an im2col buffer ----------------
class Im2colGemmTest : public ::testing::TestWithParam<std::tuple<Conv2dGeometry, int>> {};

TEST_P(Im2colGemmTest, MatchesDirectConvolution) {
  const auto [g, threads] = GetParam();
  const size_t rows = g.in_channels * g.kernel_h * g.kernel_w, cols = g.out_h * g.out_w;
  auto in = random_vector(g.in_channels * g.in_h * g.in_w, 4), w = random_vector(g.out_channels * rows, 5);
  auto bias = random_vector(g.out_channels, 6);
  std::vector<float> out(g.out_channels * cols), ref(out.size());
  GemmArgs p{&default_kernels(), w.data(), rows, out.data(), cols};
  p.row_bias = bias.data();
  ThreadPool pool(threads, kGemmThreadScratchBytes);
  testing::plan_and_run_gemm({g.out_channels, cols, rows}, p, Im2colB(g, in.data()), pool);
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
