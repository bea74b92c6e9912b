// Winograd F(4x4, 3x3): weight, input and output transforms around the 36 GEMMs give the direct
// convolution, over odd sizes (partial tiles), paddings and channel counts.
#include <gtest/gtest.h>

#include <tuple>

#include "kernels/f32_winograd.h"
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
  f32_winograd_f4x4_3x3_output_nchw_scalar(g, m.data(), bias.data(), relu6, out.data(), 0, cout / 3);
  f32_winograd_f4x4_3x3_output_nchw_scalar(g, m.data(), bias.data(), relu6, out.data(), cout / 3, cout);
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
    best_f32_winograd_f4x4_3x3_weights()(cin, weight.data(), best.data(), 1, cout);  // from 1: row 0 untouched
    for (size_t i = 0; i < kWinogradPositions * cin; ++i) ASSERT_EQ(best[i], -9.f) << "wrote outside its rows";
    for (size_t i = kWinogradPositions * cin; i < scalar.size(); ++i) ASSERT_NEAR(best[i], scalar[i], 1e-6) << cin << ":" << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, WinogradTest,
                         ::testing::Combine(::testing::Values(1, 3, 16), ::testing::Values(1, 5, 8),
                                            ::testing::Values(3, 6, 9, 14), ::testing::Values(3, 7, 13),
                                            ::testing::Values(0, 1, 2)));

}  // namespace
}  // namespace wt
