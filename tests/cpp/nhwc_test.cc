// The NHWC kernels against the double-precision NCHW reference (tensors permuted), and each SIMD128
// kernel against its scalar one: odd channel counts (tails of the 16- and 4-channel blocks), odd
// sizes, strides, paddings and dilations, partial row ranges, guard bands around the output.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "kernels/f32_dwconv2d.h"
#include "kernels/f32_gemm_pack.h"
#include "kernels/f32_pool2d.h"
#include "kernels/f32_reduce.h"
#include "kernels/f32_winograd.h"
#include "gemm/gemm_driver.h"
#include "gemm_helpers.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::nchw_to_nhwc;
using testing::nhwc_to_nchw;
using testing::random_vector;

struct ConvCase {
  size_t n, cin, h, w, cout, kh, kw, stride, pad, dilation, groups;

  Conv2dGeometry geometry() const {
    const size_t oh = (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1;
    const size_t ow = (w + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
    return {n, cin, h, w, cout, oh, ow, kh, kw, stride, stride, pad, pad, dilation, dilation, groups};
  }
};

F32MinMax relu6() {
  F32MinMax mm;
  mm.min = 0.f;
  mm.max = 6.f;
  return mm;
}

// --- f32_pack_a_im2col_nhwc --------------------------------------------------------------------
// Every block of rows and k (blocks crossing taps and pixels) against the im2col matrix built
// element by element.
TEST(Im2colNhwcTest, BlocksMatchTheIm2colMatrix) {
  for (const ConvCase& c : {ConvCase{1, 3, 9, 8, 4, 7, 7, 2, 3, 1, 1}, ConvCase{1, 6, 7, 7, 4, 3, 3, 1, 1, 2, 2},
                            ConvCase{1, 5, 6, 9, 4, 3, 2, 2, 1, 1, 1}, ConvCase{1, 4, 5, 5, 4, 1, 1, 2, 0, 1, 1}}) {
    const Conv2dGeometry g = c.geometry();
    const size_t cin_g = c.cin / c.groups, k = c.kh * c.kw * cin_g, rows = g.out_h * g.out_w;
    const auto image = random_vector(c.h * c.w * c.cin, 41);
    for (size_t group = 0; group < c.groups; ++group) {
      const float* in = image.data() + group * cin_g;
      for (size_t k0 : {size_t{0}, size_t{1}, k / 2}) {
        for (size_t kc : {size_t{1}, cin_g + 1, k - k0}) {
          if (k0 + kc > k) continue;
          std::vector<float> block(rows * kc, -9.f);
          f32_pack_a_im2col_nhwc(g, in, 1, rows, k0, kc, block.data() + kc);
          for (size_t r = 1; r < rows; ++r) {
            for (size_t kk = k0; kk < k0 + kc; ++kk) {
              const size_t tap = kk / cin_g, ch = kk % cin_g;
              const long iy = long((r / g.out_w) * c.stride + (tap / c.kw) * c.dilation) - long(c.pad);
              const long ix = long((r % g.out_w) * c.stride + (tap % c.kw) * c.dilation) - long(c.pad);
              const bool inside = iy >= 0 && ix >= 0 && iy < long(c.h) && ix < long(c.w);
              const float expected = inside ? in[(iy * c.w + ix) * c.cin + ch] : 0.f;
              ASSERT_EQ(block[r * kc + kk - k0], expected) << "row " << r << " k " << kk << " kc " << kc;
            }
          }
          for (size_t i = 0; i < kc; ++i) ASSERT_EQ(block[i], -9.f) << "row 0 was not asked for";
        }
      }
    }
  }
}

// --- the NHWC convolution GEMM: image rows as A (in place or packed), weight panels as B ---------
// Up to 100 pixels A is packed whole once and the tasks split only the columns; beyond, row tiles.
class GemmConvNhwcTest : public ::testing::TestWithParam<std::tuple<ConvCase, int>> {};

TEST_P(GemmConvNhwcTest, MatchesReference) {
  const auto [c, threads] = GetParam();
  const Conv2dGeometry g = c.geometry();
  const size_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups, k = c.kh * c.kw * cin_g;
  const size_t pixels = g.out_h * g.out_w;
  const auto in = random_vector(c.n * c.cin * c.h * c.w, 42), weight = random_vector(c.cout * k, 43);
  const auto bias = random_vector(c.cout, 44);
  std::vector<float> ref(c.n * c.cout * pixels);
  testing::conv2d_ref(g, in.data(), weight.data(), bias.data(), relu6(), ref.data());
  const auto image = nchw_to_nhwc(in, c.n, c.cin, c.h, c.w), panels = testing::nhwc_weight_panels(g, weight);
  std::vector<float> out(ref.size(), -9.f);
  ThreadPool pool(threads, kGemmThreadScratchBytes);
  const bool pointwise = c.kh == 1 && c.kw == 1 && c.stride == 1 && c.pad == 0;
  for (size_t n = 0; n < c.n; ++n) {
    for (size_t group = 0; group < c.groups; ++group) {
      const float* a = image.data() + n * c.h * c.w * c.cin + group * cin_g;
      GemmShape shape{pixels, cout_g, k, GemmBStorage::kPanels};
      shape.a_packed = !pointwise;
      GemmArgs p{&default_kernels(), a, c.cin, out.data() + n * pixels * c.cout + group * cout_g, c.cout};
      p.col_bias = bias.data() + group * cout_g;
      p.minmax = relu6();
      const Im2colNhwcA im2col(g, a);
      if (!pointwise) p.a_source = &im2col;
      testing::plan_and_run_gemm(shape, p, PanelB(panels.data() + group * ((cout_g + 7) / 8) * k * 8, k), pool);
    }
  }
  const auto got = nhwc_to_nchw(out, c.n, c.cout, g.out_h, g.out_w);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(got[i], ref[i], 1e-4 * (1 + std::sqrt(double(k)))) << i;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmConvNhwcTest,
    ::testing::Combine(::testing::Values(ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1},
                                         ConvCase{1, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1},
                                         ConvCase{2, 4, 9, 9, 6, 3, 3, 2, 1, 1, 2},      // groups, batch
                                         ConvCase{1, 2, 11, 10, 3, 3, 3, 1, 2, 2, 1},    // dilated
                                         ConvCase{1, 3, 6, 6, 13, 1, 1, 1, 0, 1, 1},     // 1x1 in place
                                         ConvCase{1, 8, 6, 6, 12, 1, 1, 1, 0, 1, 4},     // grouped 1x1 in place
                                         ConvCase{1, 16, 9, 9, 20, 1, 1, 2, 0, 1, 1},    // 1x1 stride 2
                                         ConvCase{1, 3, 23, 21, 16, 7, 7, 2, 3, 1, 1},   // a stem
                                         ConvCase{1, 70, 14, 14, 9, 3, 3, 1, 1, 1, 1},   // k blocks (630)
                                         ConvCase{1, 12, 17, 15, 37, 3, 3, 1, 1, 1, 1},  // row blocks, tails
                                         ConvCase{1, 2, 5, 5, 2, 5, 5, 3, 2, 1, 1},
                                         ConvCase{1, 20, 7, 7, 70, 3, 3, 1, 1, 1, 1},     // 49 rows, 70 columns
                                         ConvCase{2, 64, 5, 6, 84, 3, 3, 1, 1, 1, 2},     // k blocks, groups
                                         ConvCase{1, 8, 10, 10, 300, 3, 3, 1, 1, 1, 1}),  // 100 rows, 4 tasks
                       ::testing::Values(1, 2, 3)));

// --- depthwise ------------------------------------------------------------------------------
class DepthwiseNhwcTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, size_t>> {};

TEST_P(DepthwiseNhwcTest, ScalarAndSimdMatchReference) {
  const auto [channels, w, k, stride, dilation] = GetParam();
  const size_t h = 6, pad = k / 2 * dilation;
  const ConvCase c{2, channels, h, w, channels, k, k, stride, pad, dilation, channels};
  const Conv2dGeometry g = c.geometry();
  const auto in = random_vector(2 * channels * h * w, 45), weight = random_vector(channels * k * k, 46);
  const auto bias = random_vector(channels, 47);
  std::vector<float> ref(2 * channels * g.out_h * g.out_w);
  testing::conv2d_ref(g, in.data(), weight.data(), bias.data(), relu6(), ref.data());
  const auto image = nchw_to_nhwc(in, 2, channels, h, w);
  std::vector<float> hwc(k * k * channels);  // [kh, kw, C]
  for (size_t ch = 0; ch < channels; ++ch)
    for (size_t t = 0; t < k * k; ++t) hwc[t * channels + ch] = weight[ch * k * k + t];
  std::vector<float> scratch(64);
  const size_t rows = 2 * g.out_h, row_floats = g.out_w * channels;
  // The scalar kernel, the SIMD one, and the SIMD one without room for its zero row (scalar again).
  for (int variant = 0; variant < 3; ++variant) {
    std::vector<float> out(ref.size() + 16, -9.f);
    for (size_t r0 : {size_t{0}, rows / 3}) {  // two row ranges
      const size_t r1 = r0 == 0 ? rows / 3 : rows;
      if (variant == 0) {
        f32_dwconv2d_nhwc_scalar(g, image.data(), hwc.data(), bias.data(), relu6(), out.data() + 8, r0, r1);
      } else {
        f32_dwconv2d_nhwc_simd128(g, image.data(), hwc.data(), bias.data(), relu6(), out.data() + 8, r0, r1,
                                  scratch.data(), variant == 1 ? scratch.size() : channels - 1);
      }
    }
    const auto got = nhwc_to_nchw(std::vector<float>(out.begin() + 8, out.end() - 8), 2, channels, g.out_h, g.out_w);
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(got[i], ref[i], 1e-5) << "variant " << variant << " at " << i;
    for (size_t i = 0; i < 8; ++i) ASSERT_EQ(out[i], -9.f);
    for (size_t i = 0; i < 8; ++i) ASSERT_EQ(out[8 + rows * row_floats + i], -9.f);
  }
}

// Channels across the 16/4/1 blocks; kernels 1, 3 (unrolled), 5 (unrolled), 7 (generic).
INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseNhwcTest,
                         ::testing::Combine(::testing::Values(1, 4, 7, 16, 37), ::testing::Values(1, 5, 12),
                                            ::testing::Values(1, 3, 5, 7), ::testing::Values(1, 2),
                                            ::testing::Values(1, 2)));

// --- Winograd ---------------------------------------------------------------------------------
class WinogradNhwcTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, bool>> {};

// The three phases around the 36 GEMMs give the direct convolution (with a residual, written over
// it in place), scalar and SIMD alike, with U made whole or in blocks of panels and channels (the
// GEMMs then accumulate over the channel blocks), and planes at padded strides.
TEST_P(WinogradNhwcTest, MatchesDirectConvolution) {
  const auto [cin, cout, size, pad, simd] = GetParam();
  const ConvCase c{1, cin, size, size + 3, cout, 3, 3, 1, pad, 1, 1};
  const Conv2dGeometry g = c.geometry();
  const size_t tiles = winograd_tiles(g), tiles_x = winograd_tiles_x(g), panels = (cout + 7) / 8;
  const size_t pixels = g.out_h * g.out_w;
  const auto in = random_vector(cin * c.h * c.w, 48), weight = random_vector(cout * cin * 9, 49);
  const auto bias = random_vector(cout, 50), residual = random_vector(cout * pixels, 51);
  std::vector<float> ref(cout * pixels);
  testing::conv2d_ref(g, in.data(), weight.data(), bias.data(), F32MinMax{}, ref.data());
  const auto image = nchw_to_nhwc(in, 1, cin, c.h, c.w), packed = testing::nhwc_weight_panels(g, weight);
  const size_t u_stride = winograd_pos_stride(panels * cin * 8), v_stride = winograd_pos_stride(tiles * cin);
  const size_t m_stride = winograd_pos_stride(tiles * cout);
  std::vector<float> u(kWinogradPositions * u_stride), v(kWinogradPositions * v_stride);
  auto weights_fn = simd ? f32_winograd_f4x4_3x3_weights_panels_simd128 : f32_winograd_f4x4_3x3_weights_panels_scalar;
  auto input_fn = simd ? f32_winograd_f4x4_3x3_input_nhwc_simd128 : f32_winograd_f4x4_3x3_input_nhwc_scalar;
  auto output_fn = simd ? f32_winograd_f4x4_3x3_output_nhwc_simd128 : f32_winograd_f4x4_3x3_output_nhwc_scalar;
  weights_fn(cin, packed.data(), u.data(), {0, panels / 2, 0, cin, u_stride});
  weights_fn(cin, packed.data(), u.data() + panels / 2 * cin * 8, {panels / 2, panels, 0, cin, u_stride});
  input_fn(g, image.data(), v.data(), v_stride, 0, tiles / 3);
  input_fn(g, image.data(), v.data(), v_stride, tiles / 3, tiles);
  ThreadPool pool(1, kGemmThreadScratchBytes);
  // Columns [p0, p1) * 8 of M over channels [c0, c1), from `block`'s U at `bu`.
  auto multiply = [&](const float* bu, const WinogradWeightsBlock& block, std::vector<float>& m) {
    const size_t col0 = block.panel_begin * 8, cols = std::min(block.panel_end * 8, cout) - col0;
    for (size_t pos = 0; pos < kWinogradPositions; ++pos) {
      GemmShape shape{tiles, cols, block.channel_end - block.channel_begin, GemmBStorage::kPanels};
      shape.accumulate = block.channel_begin > 0;
      const GemmArgs args{&default_kernels(), v.data() + pos * v_stride + block.channel_begin, cin,
                          m.data() + pos * m_stride + col0, cout};
      run_gemm(plan_gemm_serial(shape), args, PanelB(bu + pos * block.pos_stride, shape.k), pool);
    }
  };
  std::vector<float> m(kWinogradPositions * m_stride), m_blocks(m.size());
  multiply(u.data(), {0, panels, 0, cin, u_stride}, m);
  const size_t block_channels = std::max<size_t>(1, cin / 2);  // 5 channels: blocks of 2, 2 and 1
  for (size_t p0 = 0; p0 < panels; p0 += 2) {
    for (size_t c0 = 0; c0 < cin; c0 += block_channels) {
      const size_t p1 = std::min(panels, p0 + 2), c1 = std::min(cin, c0 + block_channels);
      const WinogradWeightsBlock block{p0, p1, c0, c1, winograd_pos_stride((p1 - p0) * (c1 - c0) * 8) + 16};
      std::vector<float> bu(kWinogradPositions * block.pos_stride);
      weights_fn(cin, packed.data(), bu.data(), block);
      multiply(bu.data(), block, m_blocks);
    }
  }
  std::vector<float> out(cout * pixels, -9.f), from_blocks(out.size(), -9.f);
  std::vector<float> in_place = nchw_to_nhwc(residual, 1, cout, g.out_h, g.out_w);
  output_fn(g, {m.data(), m_stride, bias.data(), nullptr, F32MinMax{}, out.data()}, 0, tiles_x);
  output_fn(g, {m.data(), m_stride, bias.data(), nullptr, F32MinMax{}, out.data()}, tiles_x, tiles);
  output_fn(g, {m_blocks.data(), m_stride, bias.data(), nullptr, F32MinMax{}, from_blocks.data()}, 0, tiles);
  output_fn(g, {m.data(), m_stride, bias.data(), in_place.data(), relu6(), in_place.data()}, 0, tiles);
  const auto got = nhwc_to_nchw(out, 1, cout, g.out_h, g.out_w);
  const auto got_blocks = nhwc_to_nchw(from_blocks, 1, cout, g.out_h, g.out_w);
  const auto got_residual = nhwc_to_nchw(in_place, 1, cout, g.out_h, g.out_w);
  const double tol = 2e-5 * (1 + 9 * cin);  // the transforms scale values by up to ~100
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_NEAR(got[i], ref[i], tol) << i;
    ASSERT_NEAR(got_blocks[i], ref[i], tol) << "blocks " << i;
    ASSERT_NEAR(got_residual[i], testing::clamp_ref(double(ref[i]) + residual[i], relu6()), tol) << "residual " << i;
  }
}

TEST(WinogradPosStride, OddNumberOfCacheLines) {
  for (size_t floats : {1, 16, 17, 1024, 4096, 4100}) {
    const size_t stride = winograd_pos_stride(floats);
    EXPECT_GE(stride, floats);
    EXPECT_EQ(stride % 16, 0u);
    EXPECT_EQ(stride / 16 % 2, 1u) << floats;
  }
}

// Channel counts across the 4-lane blocks and the 8-column panels; partial tiles at both edges.
INSTANTIATE_TEST_SUITE_P(Shapes, WinogradNhwcTest,
                         ::testing::Combine(::testing::Values(1, 5, 16), ::testing::Values(1, 9, 13),
                                            ::testing::Values(3, 6, 14), ::testing::Values(0, 1, 2),
                                            ::testing::Bool()));

// --- pooling ----------------------------------------------------------------------------------
struct PoolCase {
  size_t h, w, kernel, stride, pad, dilation;
  bool ceil_mode, count_include_pad;
  size_t divisor_override;
};

size_t pool_out(size_t in, const PoolCase& c, size_t dilation) {
  const size_t span = in + 2 * c.pad - dilation * (c.kernel - 1) - 1;
  size_t out = (c.ceil_mode ? (span + c.stride - 1) / c.stride : span / c.stride) + 1;
  if (c.ceil_mode && (out - 1) * c.stride >= in + c.pad) --out;
  return out;
}

class PoolNhwcTest : public ::testing::TestWithParam<std::tuple<PoolCase, size_t, bool>> {};

// The NHWC kernels (scalar and SIMD) against the NCHW scalar ones, which are tested against
// their references in kernels_test.cc.
TEST_P(PoolNhwcTest, MatchesNchwKernel) {
  const auto [c, channels, is_max] = GetParam();
  const size_t dilation = is_max ? c.dilation : 1, batch = 2;
  const Pool2dGeometry g{c.h,
                         c.w,
                         pool_out(c.h, c, dilation),
                         pool_out(c.w, c, dilation),
                         c.kernel,
                         c.kernel,
                         c.stride,
                         c.stride,
                         c.pad,
                         c.pad,
                         dilation,
                         dilation,
                         c.count_include_pad,
                         c.divisor_override};
  auto in = random_vector(batch * channels * c.h * c.w, 52);
  in[in.size() / 2] = std::numeric_limits<float>::quiet_NaN();  // max pooling propagates it
  std::vector<float> ref(batch * channels * g.out_h * g.out_w);
  (is_max ? f32_maxpool2d_nchw_scalar : f32_avgpool2d_nchw_scalar)(g, in.data(), ref.data(), 0, batch * channels);
  const auto image = nchw_to_nhwc(in, batch, channels, c.h, c.w);
  const auto scalar = is_max ? f32_maxpool2d_nhwc_scalar : f32_avgpool2d_nhwc_scalar;
  const auto simd = is_max ? f32_maxpool2d_nhwc_simd128 : f32_avgpool2d_nhwc_simd128;
  for (auto fn : {scalar, simd}) {
    std::vector<float> out(ref.size() + 8, -9.f);
    fn(g, channels, image.data(), out.data(), 0, 1);
    fn(g, channels, image.data(), out.data(), 1, batch * g.out_h);
    ASSERT_EQ(out[ref.size()], -9.f) << "wrote past the output";
    out.resize(ref.size());
    const auto got = nhwc_to_nchw(out, batch, channels, g.out_h, g.out_w);
    for (size_t i = 0; i < ref.size(); ++i) {
      if (std::isnan(ref[i])) {
        ASSERT_TRUE(std::isnan(got[i])) << i;
      } else {
        ASSERT_NEAR(got[i], ref[i], 1e-6) << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, PoolNhwcTest,
                         ::testing::Combine(::testing::Values(PoolCase{7, 6, 3, 2, 1, 1, false, true, 0},
                                                              PoolCase{9, 9, 3, 2, 1, 2, true, false, 0},
                                                              PoolCase{5, 8, 2, 2, 0, 1, false, true, 0},
                                                              PoolCase{6, 7, 3, 1, 1, 1, true, false, 0},
                                                              PoolCase{4, 4, 3, 3, 1, 1, true, true, 5},
                                                              PoolCase{1, 1, 1, 1, 0, 1, false, true, 0}),
                                            ::testing::Values(1, 4, 5, 16, 19, 37), ::testing::Bool()));

// --- rows reduction ---------------------------------------------------------------------------
class ReduceRowsTest : public ::testing::TestWithParam<std::tuple<ReduceOp, size_t, size_t, size_t>> {};

TEST_P(ReduceRowsTest, ScalarAndSimdMatchReference) {
  const auto [op, outer, rows, inner] = GetParam();
  auto x = random_vector(outer * rows * inner, 53);
  if (x.size() > 7) x[7] = std::numeric_limits<float>::quiet_NaN();
  std::vector<double> ref(outer * inner);
  for (size_t a = 0; a < outer; ++a)
    for (size_t b = 0; b < inner; ++b) {
      double acc = op == ReduceOp::kMax ? -INFINITY : op == ReduceOp::kMin ? INFINITY : 0.0;
      for (size_t r = 0; r < rows; ++r) {
        const double v = x[(a * rows + r) * inner + b];
        acc = op == ReduceOp::kMax   ? (v > acc || v != v ? v : acc)
              : op == ReduceOp::kMin ? (v < acc || v != v ? v : acc)
                                     : acc + v;
      }
      ref[a * inner + b] = op == ReduceOp::kMean ? acc / double(rows) : acc;
    }
  const ReduceRows g{outer, rows, inner, op};
  for (auto fn : {f32_reduce_rows_scalar, f32_reduce_rows_simd128}) {
    std::vector<float> y(outer * inner + 1, -9.f);
    const size_t split = y.size() / 3;  // ranges starting and ending inside a block of `inner`
    fn(g, x.data(), y.data(), 0, split);
    fn(g, x.data(), y.data(), split, outer * inner);
    ASSERT_EQ(y.back(), -9.f);
    for (size_t i = 0; i < ref.size(); ++i) {
      if (std::isnan(ref[i])) {
        ASSERT_TRUE(std::isnan(y[i])) << i;
      } else {
        ASSERT_NEAR(y[i], ref[i], 1e-5 * rows) << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ReduceRowsTest,
    ::testing::Combine(::testing::Values(ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin),
                       ::testing::Values(1, 3), ::testing::Values(1, 7, 49), ::testing::Values(2, 5, 16, 37)));

}  // namespace
}  // namespace wt
