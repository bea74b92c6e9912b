// Convolution kernels (NCHW direct, transposed, depthwise) against their double-precision references.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/f32_conv2d.h"
#include "kernels/f32_conv_transpose2d.h"
#include "kernels/f32_dwconv2d.h"
#include "kernels/simd128.h"
#include "gemm/gemm_driver.h"
#include "gemm_helpers.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

// --- f32_conv2d_nchw_scalar --------------------------------------------------------------------
struct ConvCase {
  size_t n, cin, h, w, cout, kh, kw, stride, pad, dilation, groups;
};

class Conv2dTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dTest, MatchesReference) {
  const ConvCase c = GetParam();
  const size_t oh = (c.h + 2 * c.pad - c.dilation * (c.kh - 1) - 1) / c.stride + 1;
  const size_t ow = (c.w + 2 * c.pad - c.dilation * (c.kw - 1) - 1) / c.stride + 1;
  const Conv2dGeometry g{c.n,  c.cin,    c.h,      c.w,   c.cout, oh,         ow,         c.kh,
                         c.kw, c.stride, c.stride, c.pad, c.pad,  c.dilation, c.dilation, c.groups};
  auto in = random_vector(c.n * c.cin * c.h * c.w, 4);
  auto w = random_vector(c.cout * (c.cin / c.groups) * c.kh * c.kw, 5);
  auto bias = random_vector(c.cout, 6);
  F32MinMax relu;
  relu.min = 0.f;
  std::vector<float> out(c.n * c.cout * oh * ow), ref(out.size());
  const size_t planes = c.n * c.cout;
  f32_conv2d_nchw_scalar(g, in.data(), w.data(), bias.data(), relu, out.data(), 0, planes / 3);
  f32_conv2d_nchw_scalar(g, in.data(), w.data(), bias.data(), relu, out.data(), planes / 3, planes);
  testing::conv2d_ref(g, in.data(), w.data(), bias.data(), relu, ref.data());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], ref[i], 1e-4) << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dTest,
                         ::testing::Values(ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1},
                                           ConvCase{1, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1},
                                           ConvCase{2, 4, 9, 9, 6, 3, 3, 2, 1, 1, 2},
                                           ConvCase{1, 6, 8, 8, 6, 3, 3, 1, 1, 1, 6},    // depthwise
                                           ConvCase{1, 2, 11, 10, 3, 3, 3, 1, 2, 2, 1},  // dilated
                                           ConvCase{1, 3, 6, 6, 5, 1, 1, 1, 0, 1, 1},    // 1x1
                                           ConvCase{1, 2, 5, 5, 2, 5, 5, 3, 2, 1, 1}));

class ConvTranspose2dTest : public ::testing::TestWithParam<ConvCase> {};

// The reference scatters each input pixel into the output (the definition); the kernel gathers.
TEST_P(ConvTranspose2dTest, GatherMatchesScatterReference) {
  const ConvCase c = GetParam();
  const size_t oh = (c.h - 1) * c.stride - 2 * c.pad + c.dilation * (c.kh - 1) + 1;
  const size_t ow = (c.w - 1) * c.stride - 2 * c.pad + c.dilation * (c.kw - 1) + 1;
  const Conv2dGeometry g{c.n,  c.cin,    c.h,      c.w,   c.cout, oh,         ow,         c.kh,
                         c.kw, c.stride, c.stride, c.pad, c.pad,  c.dilation, c.dilation, c.groups};
  const size_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  auto in = random_vector(c.n * c.cin * c.h * c.w, 21), w = random_vector(c.cin * cout_g * c.kh * c.kw, 22);
  auto bias = random_vector(c.cout, 23);
  std::vector<double> ref(c.n * c.cout * oh * ow, 0.0);
  for (size_t n = 0; n < c.n; ++n)
    for (size_t ic = 0; ic < c.cin; ++ic)
      for (size_t iy = 0; iy < c.h; ++iy)
        for (size_t ix = 0; ix < c.w; ++ix)
          for (size_t o = 0; o < cout_g; ++o)
            for (size_t ky = 0; ky < c.kh; ++ky)
              for (size_t kx = 0; kx < c.kw; ++kx) {
                const long oy = long(iy * c.stride + ky * c.dilation) - long(c.pad);
                const long ox = long(ix * c.stride + kx * c.dilation) - long(c.pad);
                if (oy < 0 || ox < 0 || oy >= long(oh) || ox >= long(ow)) continue;
                const size_t oc = (ic / cin_g) * cout_g + o;
                ref[((n * c.cout + oc) * oh + oy) * ow + ox] += double(in[((n * c.cin + ic) * c.h + iy) * c.w + ix]) *
                                                                w[((ic * cout_g + o) * c.kh + ky) * c.kw + kx];
              }
  std::vector<float> out(ref.size());
  f32_conv_transpose2d_nchw_scalar(g, in.data(), w.data(), bias.data(), out.data(), 0, c.n * c.cout);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t oc = (i / (oh * ow)) % c.cout;
    ASSERT_NEAR(out[i], ref[i] + bias[oc], 1e-4) << i;
  }

  // NHWC: per image and group, a GEMM of the pixels (x Cin/g) by the weights as the exporter packs
  // them ([Cin/g, kh*kw*Cout/g], columns (ky, kx, oc), in panels) into columns, then col2im.
  const size_t row = c.kh * c.kw * cout_g, panels = (row + 7) / 8, pixels = c.h * c.w;
  std::vector<float> packed(c.groups * panels * cin_g * 8, 0.f);
  for (size_t ic = 0; ic < c.cin; ++ic)
    for (size_t o = 0; o < cout_g; ++o)
      for (size_t t = 0; t < c.kh * c.kw; ++t) {
        const size_t col = t * cout_g + o, grp = ic / cin_g;
        packed[((grp * panels + col / 8) * cin_g + ic % cin_g) * 8 + col % 8] = w[(ic * cout_g + o) * c.kh * c.kw + t];
      }
  const auto image = testing::nchw_to_nhwc(in, c.n, c.cin, c.h, c.w);
  ThreadPool pool(1, kGemmThreadScratchBytes);
  for (auto col2im : {f32_col2im_nhwc_scalar, f32_col2im_nhwc_simd128}) {
    std::vector<float> cols(c.groups * pixels * row), nhwc(ref.size(), -9.f);
    for (size_t n = 0; n < c.n; ++n) {
      for (size_t grp = 0; grp < c.groups; ++grp) {
        const GemmArgs args{&default_kernels(), image.data() + n * pixels * c.cin + grp * cin_g, c.cin,
                            cols.data() + grp * pixels * row, row};
        testing::plan_and_run_gemm({pixels, row, cin_g, GemmBStorage::kPanels}, args,
                                   PanelB(packed.data() + grp * panels * cin_g * 8, cin_g), pool);
      }
      float* out_n = nhwc.data() + n * oh * ow * c.cout;
      col2im(g, cols.data(), bias.data(), out_n, 0, oh / 2);
      col2im(g, cols.data(), bias.data(), out_n, oh / 2, oh);
    }
    const auto got = testing::nhwc_to_nchw(nhwc, c.n, c.cout, oh, ow);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], ref[i] + bias[(i / (oh * ow)) % c.cout], 1e-4) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvTranspose2dTest,
                         ::testing::Values(ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1},
                                           ConvCase{1, 3, 4, 5, 2, 3, 3, 2, 1, 1, 1},
                                           ConvCase{2, 4, 3, 3, 6, 2, 2, 2, 0, 1, 2},
                                           ConvCase{1, 2, 5, 4, 4, 3, 3, 3, 2, 2, 2},
                                           ConvCase{1, 4, 6, 6, 4, 4, 4, 1, 1, 1, 4}));

}  // namespace
}  // namespace wt
