// Winograd F(4x4, 3x3): weight, input and output transforms around the 36 GEMMs give the direct
// convolution, over odd sizes (partial tiles), paddings and channel counts.
#include <gtest/gtest.h>

#include <tuple>

#include "kernels/f32_winograd.h"
#include "kernels/kernel_table.h"
#include "ops/gemm.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

class WinogradTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, size_t>> {};

TEST_P(WinogradTest, MatchesDirectConvolution) {
  const auto [cin, cout, h, w, pad] = GetParam();
  const size_t oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const Conv2dGeometry g{1, cin, h, w, cout, oh, ow, 3, 3, 1, 1, pad, pad, 1, 1, 1};
  auto in = random_vector(cin * h * w, 1), weight = random_vector(cout * cin * 9, 2), bias = random_vector(cout, 3);
  const size_t tiles = winograd_tiles(g);
  std::vector<float> u(kWinogradPositions * cout * cin), v(kWinogradPositions * cin * tiles);
  std::vector<float> m(kWinogradPositions * cout * tiles), out(cout * oh * ow), ref(out.size());
  f32_winograd_f4x4_3x3_weights_scalar(cin, weight.data(), u.data(), 0, cout / 2);
  f32_winograd_f4x4_3x3_weights_scalar(cin, weight.data(), u.data(), cout / 2, cout);
  f32_winograd_f4x4_3x3_input_nchw_scalar(g, in.data(), v.data(), 0, cin / 2);
  f32_winograd_f4x4_3x3_input_nchw_scalar(g, in.data(), v.data(), cin / 2, cin);
  ThreadPool pool(1);
  for (size_t pos = 0; pos < kWinogradPositions; ++pos) {
    const GemmProblem p{cout, tiles, cin, u.data() + pos * cin, kWinogradPositions * cin, m.data() + pos * cout * tiles, tiles};
    run_gemm_on_this_thread(p, DenseB(v.data() + pos * cin * tiles, 1, tiles, tiles), pool);
  }
  F32MinMax relu6;
  relu6.min = 0.f;
  relu6.max = 6.f;
  f32_winograd_f4x4_3x3_output_nchw_scalar(g, m.data(), bias.data(), nullptr, relu6, out.data(), 0, cout / 3);
  f32_winograd_f4x4_3x3_output_nchw_scalar(g, m.data(), bias.data(), nullptr, relu6, out.data(), cout / 3, cout);
  testing::conv2d_ref(g, in.data(), weight.data(), bias.data(), relu6, ref.data());
  // Winograd's transforms scale values by up to ~100 before they cancel: fp32 error grows with cin.
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], ref[i], 2e-5 * (1 + 9 * cin)) << i;
}

// The SIMD128 weight transform (four input channels per vector, scalar tail) against the scalar one.
TEST(WinogradWeightsTest, BestMatchesScalar) {
  for (size_t cin : {1, 3, 4, 8, 13}) {
    const size_t cout = 3;
    auto weight = random_vector(cout * cin * 9, 7);
    std::vector<float> scalar(kWinogradPositions * cout * cin), best(scalar.size(), -9.f);
    f32_winograd_f4x4_3x3_weights_scalar(cin, weight.data(), scalar.data(), 0, cout);
    build_kernels().winograd_weights_nchw(cin, weight.data(), best.data(), 1, cout);  // from 1: row 0 untouched
    for (size_t i = 0; i < kWinogradPositions * cin; ++i) ASSERT_EQ(best[i], -9.f) << "wrote outside its rows";
    for (size_t i = kWinogradPositions * cin; i < scalar.size(); ++i) ASSERT_NEAR(best[i], scalar[i], 1e-6) << cin << ":" << i;
  }
}

// The SIMD128 input and output transforms (four tiles per vector, strips of 32 tiles, partial
// last groups) against the scalar ones, over a channel range: nothing outside it is written.
class WinogradTransformTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t>> {};

TEST_P(WinogradTransformTest, BestMatchesScalar) {
  const auto [h, w, pad] = GetParam();
  const size_t channels = 5, oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const Conv2dGeometry g{1, channels, h, w, channels, oh, ow, 3, 3, 1, 1, pad, pad, 1, 1, 1};
  const size_t tiles = winograd_tiles(g);
  // Inputs lie in [-1, 1] and intermediates reach ~100: summed in another order (rows first),
  // results differ by a few ulps of 100.
  constexpr float kTol = 3e-5f;
  auto in = random_vector(channels * h * w, 11);
  std::vector<float> v_scalar(kWinogradPositions * channels * tiles, -9.f), v_best(v_scalar);
  f32_winograd_f4x4_3x3_input_nchw_scalar(g, in.data(), v_scalar.data(), 1, 4);
  build_kernels().winograd_input_nchw(g, in.data(), v_best.data(), 1, 4);
  for (size_t i = 0; i < v_best.size(); ++i) ASSERT_NEAR(v_best[i], v_scalar[i], kTol) << "input " << i;

  auto m = random_vector(kWinogradPositions * channels * tiles, 12), bias = random_vector(channels, 13);
  F32MinMax clamp;
  clamp.min = -0.5f;
  clamp.max = 1.5f;
  std::vector<float> out_scalar(channels * oh * ow, -9.f), out_best(out_scalar);
  f32_winograd_f4x4_3x3_output_nchw_scalar(g, m.data(), bias.data(), nullptr, clamp, out_scalar.data(), 1, 4);
  build_kernels().winograd_output_nchw(g, m.data(), bias.data(), nullptr, clamp, out_best.data(), 1, 4);
  for (size_t i = 0; i < out_best.size(); ++i) ASSERT_NEAR(out_best[i], out_scalar[i], kTol) << "output " << i;

  // With a residual, also written over it (in place), as the planner may arrange.
  const auto residual = random_vector(out_scalar.size(), 14);
  std::vector<float> with_residual(out_scalar.size(), -9.f), in_place = residual;
  f32_winograd_f4x4_3x3_output_nchw_scalar(g, m.data(), bias.data(), residual.data(), clamp, with_residual.data(), 1,
                                           4);
  build_kernels().winograd_output_nchw(g, m.data(), bias.data(), in_place.data(), clamp, in_place.data(), 1, 4);
  const size_t plane = oh * ow;
  for (size_t i = 0; i < out_scalar.size(); ++i) {
    const bool written = i >= plane && i < 4 * plane;
    if (!written) {
      ASSERT_EQ(with_residual[i], -9.f) << i;
      ASSERT_EQ(in_place[i], residual[i]) << i;
      continue;
    }
    ASSERT_NEAR(in_place[i], with_residual[i], kTol) << "residual " << i;
  }
}

// Widths: one partial group (9), whole groups (18 -> 16 outputs), two strips with a 3-tile tail (140).
INSTANTIATE_TEST_SUITE_P(Shapes, WinogradTransformTest,
                         ::testing::Combine(::testing::Values(3, 7, 18), ::testing::Values(3, 9, 18, 140),
                                            ::testing::Values(0, 1, 2)));

INSTANTIATE_TEST_SUITE_P(Shapes, WinogradTest,
                         ::testing::Combine(::testing::Values(1, 3, 16), ::testing::Values(1, 5, 8),
                                            ::testing::Values(3, 6, 9, 14), ::testing::Values(3, 7, 13),
                                            ::testing::Values(0, 1, 2)));

}  // namespace
}  // namespace wt
