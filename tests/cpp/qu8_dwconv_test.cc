// The int8 depthwise convolution (qu8_dwconv2d.h): the scalar reference against the definition
// computed from the unpacked weights (so the column-quad layout is checked too), and the relaxed
// SIMD kernel against the reference bit for bit, over kernel sizes (one and two row quads), strides,
// dilations, padding, channel counts around the 16-channel step, images narrower than the kernel,
// scratch that holds few columns, and row ranges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "kernels/qu8_dwconv2d.h"
#include "kernels/simd128.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

struct DwCase {
  Conv2dGeometry g;
  std::vector<uint8_t> input;
  std::vector<int8_t> weights;  // [kh*kw][C]
  std::vector<float> scale, bias;  // Cp long
  uint8_t zero_point;
  F32MinMax minmax;
  std::vector<int8_t> quads;
  std::vector<int32_t> offsets;

  Qu8DwWeights packed() const {
    return Qu8DwWeights{quads.data(), offsets.data(), scale.data(), bias.data(), zero_point};
  }
};

DwCase make_case(size_t kernel, size_t stride, size_t dilation, size_t pad, size_t channels, size_t h, size_t w,
                 bool clamp) {
  DwCase t;
  const size_t span = (kernel - 1) * dilation + 1;
  const size_t out_h = (h + 2 * pad - span) / stride + 1, out_w = (w + 2 * pad - span) / stride + 1;
  t.g = Conv2dGeometry{2, channels, h, w, channels, out_h, out_w, kernel, kernel, stride, stride, pad, pad,
                       dilation, dilation, channels};
  const auto seed = static_cast<uint32_t>(kernel * 1000 + channels * 10 + stride + h);
  const auto u = random_vector(2 * h * w * channels, seed, 0.f, 127.f);
  for (float v : u) t.input.push_back(static_cast<uint8_t>(std::lround(v)));
  const auto wf = random_vector(kernel * kernel * channels, seed + 1);
  for (float v : wf) t.weights.push_back(static_cast<int8_t>(std::lround(v * 127.f)));
  const size_t cp = qu8_dw_padded_channels(channels);
  t.scale = random_vector(cp, seed + 2, 0.0001f, 0.001f);
  t.bias = random_vector(cp, seed + 3);
  for (size_t c = channels; c < cp; ++c) t.scale[c] = t.bias[c] = 0.f;
  t.zero_point = static_cast<uint8_t>(seed % 128);
  if (clamp) t.minmax = F32MinMax{-0.5f, 0.75f};
  t.quads.assign(qu8_dw_row_quads(kernel) * kernel * cp * kQu8DwRowsPerQuad, 99);
  t.offsets.assign(cp, 99);
  qu8_dw_pack_weights(t.g, t.weights.data(), t.zero_point, t.quads.data(), t.offsets.data());
  return t;
}

// The definition, from the unpacked weights: sum of (u - zero_point) x w over the taps, taps in
// the padding contributing 0, through the epilogue in the kernels' order.
std::vector<float> definition(const DwCase& t) {
  const Conv2dGeometry& g = t.g;
  const size_t c_count = g.in_channels;
  std::vector<float> y(g.batch * g.out_h * g.out_w * c_count);
  for (size_t n = 0; n < g.batch; ++n) {
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        for (size_t c = 0; c < c_count; ++c) {
          int32_t sum = 0;
          for (size_t ky = 0; ky < g.kernel_h; ++ky) {
            for (size_t kx = 0; kx < g.kernel_w; ++kx) {
              const long iy = static_cast<long>(oy * g.stride_h + ky * g.dilation_h) - static_cast<long>(g.pad_top);
              const long ix = static_cast<long>(ox * g.stride_w + kx * g.dilation_w) - static_cast<long>(g.pad_left);
              if (iy < 0 || ix < 0 || iy >= static_cast<long>(g.in_h) || ix >= static_cast<long>(g.in_w)) continue;
              const int u = t.input[((n * g.in_h + iy) * g.in_w + ix) * c_count + c];
              sum += (u - t.zero_point) * t.weights[(ky * g.kernel_w + kx) * c_count + c];
            }
          }
          float v = static_cast<float>(sum) * t.scale[c];
          v += t.bias[c];
          y[((n * g.out_h + oy) * g.out_w + ox) * c_count + c] = clamp_minmax(v, t.minmax);
        }
      }
    }
  }
  return y;
}

// kernel, stride, dilation, channels, (h, w), clamp
class Qu8DwConvTest
    : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, size_t, std::tuple<size_t, size_t>, bool>> {};

TEST_P(Qu8DwConvTest, ReferenceMatchesTheDefinitionAndSimdTheReference) {
  const auto [kernel, stride, dilation, channels, hw, clamp] = GetParam();
  const auto [h, w] = hw;
  for (size_t pad : {size_t{0}, kernel / 2 * dilation}) {
    if ((kernel - 1) * dilation + 1 > std::min(h, w) + 2 * pad) continue;  // no output
    const DwCase t = make_case(kernel, stride, dilation, pad, channels, h, w, clamp);
    const size_t rows = t.g.batch * t.g.out_h, out_size = rows * t.g.out_w * channels;
    const std::vector<float> expected = definition(t);
    std::vector<float> scalar(out_size, -7.f);
    qu8_f32_qc8w_dwconv2d_nhwc_scalar(t.g, t.input.data(), t.packed(), t.minmax, scalar.data(), 0, rows, nullptr, 0);
    ASSERT_EQ(scalar, expected) << "pad " << pad;
#if WT_HAVE_RELAXED_SIMD
    // Scratch for every column and channel of a row, for the fewest a pass can take (one output
    // pixel's columns, 16 channels), and for a few columns more.
    const size_t least = qu8_dwconv2d_min_scratch_bytes(t.g);
    for (size_t scratch_bytes : {size_t{64 * 1024}, least, least + 3 * 16 * 4, 2 * least}) {
      std::vector<uint8_t> scratch(scratch_bytes + 64, 0xAB);
      std::vector<float> simd(out_size, -7.f);
      qu8_f32_qc8w_dwconv2d_nhwc_c16_relaxedsimd(t.g, t.input.data(), t.packed(), t.minmax, simd.data(), 0, rows,
                                                 scratch.data(), scratch_bytes);
      ASSERT_EQ(simd, scalar) << "pad " << pad << ", scratch " << scratch_bytes;
      for (size_t i = scratch_bytes; i < scratch.size(); ++i) ASSERT_EQ(scratch[i], 0xAB) << "wrote past the scratch";
    }
    // A range of rows writes those rows only.
    if (rows > 2) {
      std::vector<uint8_t> scratch(64 * 1024);
      std::vector<float> part(out_size, -7.f);
      qu8_f32_qc8w_dwconv2d_nhwc_c16_relaxedsimd(t.g, t.input.data(), t.packed(), t.minmax, part.data(), 1, rows - 1,
                                                 scratch.data(), scratch.size());
      const size_t row_floats = t.g.out_w * channels;
      for (size_t i = 0; i < out_size; ++i) {
        const bool inside = i >= row_floats && i < (rows - 1) * row_floats;
        ASSERT_EQ(part[i], inside ? scalar[i] : -7.f) << "element " << i;
      }
    }
#endif
  }
}

INSTANTIATE_TEST_SUITE_P(
    Geometry, Qu8DwConvTest,
    ::testing::Combine(::testing::Values(1, 3, 5, 7), ::testing::Values(1, 2), ::testing::Values(1, 2),
                       ::testing::Values(1, 3, 4, 15, 16, 17, 40),
                       ::testing::Values(std::make_tuple(1, 1), std::make_tuple(5, 7), std::make_tuple(9, 4)),
                       ::testing::Bool()));

TEST(Qu8DwConvPackTest, QuadsHoldEachChannelsKernelRowsOfAColumnAndZeroElsewhere) {
  const size_t channels = 5, kernel = 5, cp = qu8_dw_padded_channels(channels);
  const Conv2dGeometry g{1, channels, 8, 8, channels, 4, 4, kernel, kernel, 1, 1, 0, 0, 1, 1, channels};
  std::vector<int8_t> w(kernel * kernel * channels);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i % 50 + 1);
  std::vector<int8_t> quads(qu8_dw_row_quads(kernel) * kernel * cp * kQu8DwRowsPerQuad, 99);
  std::vector<int32_t> offsets(cp, 99);
  qu8_dw_pack_weights(g, w.data(), 3, quads.data(), offsets.data());
  ASSERT_EQ(quads.size(), 2 * 5 * 16 * 4u);
  // Weight (ky, kx, c) sits at quad ky / 4, column kx, channel c, row ky % 4.
  EXPECT_EQ(quads[((1 * kernel + 2) * cp + 4) * 4 + 0], w[(4 * kernel + 2) * channels + 4]);
  EXPECT_EQ(quads[((0 * kernel + 1) * cp + 2) * 4 + 3], w[(3 * kernel + 1) * channels + 2]);
  EXPECT_EQ(quads[((1 * kernel + 0) * cp + 0) * 4 + 1], 0);  // row 5 of a 5-row kernel
  EXPECT_EQ(quads[((0 * kernel + 0) * cp + 7) * 4 + 0], 0);  // past the channels
  for (size_t c = 0; c < cp; ++c) {
    int32_t sum = 0;
    for (size_t t = 0; c < channels && t < kernel * kernel; ++t) sum += w[t * channels + c];
    EXPECT_EQ(offsets[c], 3 * sum) << c;
  }
}

}  // namespace
}  // namespace wt
