// NHWC ops end to end through the C ABI (prepare, plan, run: under ASan too), one node per model
// with weights packed as the exporter packs them, against the double-precision NCHW reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "api/wasm_torch.h"
#include "kernels/f32_pool2d.h"
#include "model_builder.h"
#include "ops/common/op.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::nchw_to_nhwc;
using testing::nhwc_to_nchw;
using testing::OneNodeModel;
using testing::random_vector;

// Loads `m` on a 2-thread runtime, runs it on `x` and returns its output (empty on failure).
std::vector<float> run_one_node(const OneNodeModel& m, const std::vector<float>& x) {
  wt_runtime* rt = wt_runtime_create(2);
  const std::vector<uint8_t> file = testing::build_one_node_model(m);
  void* buf = wt_alloc(file.size());
  std::memcpy(buf, file.data(), file.size());
  std::vector<float> y;
  if (wt_model* model = wt_model_load(rt, buf, file.size())) {
    if (wt_model_set_input(model, 0, x.data(), x.size() * sizeof(float), 0, 4, m.input_shape.data()) &&
        wt_model_forward(model)) {
      const auto* out = static_cast<const float*>(wt_model_output_data(model, 0));
      size_t n = 1;
      for (int64_t d : m.output_shape) n *= static_cast<size_t>(d);
      y.assign(out, out + n);
    }
    wt_model_destroy(model);
  }
  EXPECT_FALSE(y.empty()) << wt_last_error();
  wt_runtime_destroy(rt);
  return y;
}

OneNodeModel::Attr ints(const char* name, std::vector<int64_t> v) { return {name, std::move(v), "", false}; }
OneNodeModel::Attr one(const char* name, int64_t v) { return {name, {v}, "", true}; }
OneNodeModel::Attr text(const char* name, const char* v) { return {name, {}, v, false}; }

struct ConvCase {
  size_t cin, h, w, cout, k, stride, pad, groups;
  bool residual;
  const char* algorithm = "";  // O3's tuning: "winograd", "gemm" or "indirect" ("": the heuristic's)
  int64_t depth_block = 0;     // O3's tuning: gemm_depth_block (0: none)
  bool silu = false;           // the fused activation: SiLU (applied after the tiles) instead of relu6 (in them)
  std::vector<int64_t> tuned_threads = {};  // O3's tuning: where its choice applies (run_one_node: 2 threads)
};

class NhwcConvOpTest : public ::testing::TestWithParam<ConvCase> {};

// conv2d with layout = "nhwc": GEMM (in place and packed A), Winograd and depthwise forms, relu6,
// with and without a residual.
TEST_P(NhwcConvOpTest, MatchesReference) {
  const ConvCase c = GetParam();
  const size_t oh = (c.h + 2 * c.pad - c.k) / c.stride + 1, ow = (c.w + 2 * c.pad - c.k) / c.stride + 1;
  const Conv2dGeometry g{1,   c.cin,    c.h,      c.w,   c.cout, oh, ow, c.k,
                         c.k, c.stride, c.stride, c.pad, c.pad,  1,  1,  c.groups};
  const size_t cin_g = c.cin / c.groups;
  const auto x = random_vector(c.cin * c.h * c.w, 61), w = random_vector(c.cout * cin_g * c.k * c.k, 62);
  const auto bias = random_vector(c.cout, 63), residual = random_vector(c.cout * oh * ow, 64);
  F32MinMax relu6;
  relu6.min = 0.f;
  relu6.max = 6.f;
  std::vector<float> ref(c.cout * oh * ow);
  testing::conv2d_ref(g, x.data(), w.data(), bias.data(), c.residual || c.silu ? F32MinMax{} : relu6, ref.data());
  for (size_t i = 0; i < ref.size(); ++i) {
    const double sum = c.residual ? double(ref[i]) + residual[i] : double(ref[i]);
    ref[i] = c.silu ? float(sum / (1.0 + std::exp(-sum))) : float(testing::clamp_ref(sum, relu6));
  }

  OneNodeModel m{
      "conv2d", {1, int64_t(c.h), int64_t(c.w), int64_t(c.cin)}, {1, int64_t(oh), int64_t(ow), int64_t(c.cout)}};
  const bool depthwise = c.groups == c.cin && c.cin == c.cout;
  if (depthwise) {
    std::vector<float> hwc(c.k * c.k * c.cin);
    for (size_t ch = 0; ch < c.cin; ++ch)
      for (size_t t = 0; t < c.k * c.k; ++t) hwc[t * c.cin + ch] = w[ch * c.k * c.k + t];
    m.constants.push_back({{int64_t(c.k), int64_t(c.k), int64_t(c.cin)}, hwc});
  } else {
    const int64_t panels = int64_t(c.groups * ((c.cout / c.groups + 7) / 8));
    m.constants.push_back({{panels, int64_t(c.k * c.k * cin_g), 8}, testing::nhwc_weight_panels(g, w)});
  }
  m.constants.push_back({{int64_t(c.cout)}, bias});
  if (c.residual)
    m.constants.push_back({{1, int64_t(oh), int64_t(ow), int64_t(c.cout)}, nchw_to_nhwc(residual, 1, c.cout, oh, ow)});
  m.attrs = {text("layout", "nhwc"),
             text("weight_layout", depthwise ? "hwc" : "panels8"),
             one("out_channels", int64_t(c.cout)),
             ints("kernel_size", {int64_t(c.k), int64_t(c.k)}),
             ints("stride", {int64_t(c.stride), int64_t(c.stride)}),
             ints("padding", {int64_t(c.pad), int64_t(c.pad)}),
             ints("dilation", {1, 1}),
             one("groups", int64_t(c.groups)),
             text("activation", c.silu ? "silu" : "relu6")};
  if (*c.algorithm) m.attrs.push_back(text("algorithm", c.algorithm));
  if (c.depth_block) m.attrs.push_back(one("gemm_depth_block", c.depth_block));
  if (!c.tuned_threads.empty()) m.attrs.push_back(ints("tuned_threads", c.tuned_threads));
  const auto y = run_one_node(m, nchw_to_nhwc(x, 1, c.cin, c.h, c.w));
  ASSERT_EQ(y.size(), ref.size());
  const auto got = nhwc_to_nchw(y, 1, c.cout, oh, ow);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(got[i], ref[i], 2e-5 * (1 + 9 * cin_g)) << i;
}

INSTANTIATE_TEST_SUITE_P(Forms, NhwcConvOpTest,
                         ::testing::Values(ConvCase{3, 7, 6, 5, 3, 1, 1, 1, false},       // GEMM, packed A
                                           ConvCase{6, 5, 5, 10, 1, 1, 0, 2, false},      // grouped 1x1, in place
                                           ConvCase{4, 9, 8, 6, 3, 2, 1, 1, true},        // strided, residual
                                           ConvCase{8, 16, 16, 9, 3, 1, 1, 1, true},      // Winograd, residual
                                           ConvCase{20, 16, 16, 70, 3, 1, 1, 1, true},    // Winograd by panels
                                           ConvCase{200, 16, 16, 64, 3, 1, 1, 1, false},  // by panels, k blocks
                                           ConvCase{20, 7, 7, 70, 3, 1, 1, 1, true},      // A packed whole, 49 rows
                                           ConvCase{5, 22, 22, 130, 3, 2, 1, 1, false},   // 121 rows, 130 columns
                                           ConvCase{16, 11, 11, 200, 1, 1, 0, 1, true},   // column split, 121 rows
                                           ConvCase{12, 10, 9, 12, 5, 2, 2, 12, false},   // depthwise
                                           ConvCase{16, 9, 9, 32, 3, 1, 1, 8, false},     // a task per group
                                           ConvCase{32, 6, 6, 64, 1, 1, 0, 16, false},    // per group, in place
                                           ConvCase{24, 13, 13, 24, 3, 2, 1, 3, false},   // 3 groups, indirect
                                           ConvCase{16, 9, 9, 24, 3, 1, 1, 2, false},     // a panel + 4 columns
                                           ConvCase{32, 9, 8, 32, 3, 1, 1, 8, false},     // groups of 4: in pairs
                                           ConvCase{32, 9, 9, 32, 3, 2, 1, 8, false},     // pairs, strided
                                           ConvCase{12, 7, 7, 12, 3, 1, 1, 3, false},     // 3 groups of 4: one by one
                                           // as O3's tuning records them
                                           ConvCase{8, 5, 5, 9, 3, 1, 1, 1, true, "winograd"},  // 4 tiles
                                           ConvCase{8, 16, 16, 9, 3, 1, 1, 1, true, "gemm"},
                                           ConvCase{200, 16, 16, 64, 3, 1, 1, 1, false, "gemm", 128},
                                           ConvCase{16, 11, 11, 200, 1, 1, 0, 1, true, "", 8},
                                           ConvCase{5, 22, 22, 130, 3, 2, 1, 1, false, "gemm", 7},
                                           ConvCase{16, 9, 9, 32, 3, 1, 1, 8, false, "gemm", 50},
                                           ConvCase{24, 13, 13, 24, 3, 2, 1, 3, false, "gemm"},
                                           ConvCase{8, 9, 7, 12, 3, 2, 1, 1, true, "indirect"},  // residual, a panel + 4
                                           // tuned_threads: applies on the 2-thread pool, or the heuristic runs
                                           ConvCase{8, 5, 5, 9, 3, 1, 1, 1, true, "winograd", 0, false, {2}},
                                           ConvCase{8, 5, 5, 9, 3, 1, 1, 1, true, "winograd", 0, false, {1}},
                                           ConvCase{5, 22, 22, 130, 3, 2, 1, 1, false, "gemm", 7, false, {1, 2}},
                                           // SiLU, applied after the tiles: GEMM, indirect, Winograd
                                           ConvCase{4, 9, 8, 6, 3, 2, 1, 1, true, "", 0, true},
                                           ConvCase{16, 9, 9, 24, 3, 1, 1, 2, false, "", 0, true},
                                           ConvCase{8, 16, 16, 9, 3, 1, 1, 1, true, "winograd", 0, true}));

// What O3's tuning may record, refused where it cannot apply, the node named.
TEST(NhwcConvOpTest, RefusesTuningAttributesThatDoNotApply) {
  struct Case {
    int64_t stride;
    std::vector<OneNodeModel::Attr> tuning;
    const char* message;
  };
  const Case cases[] = {{2, {text("algorithm", "winograd")}, "algorithm 'winograd' needs a 3x3"},
                        {1, {text("algorithm", "fft")}, "algorithm must be 'gemm', 'indirect' or 'winograd', got 'fft'"},
                        {1, {text("algorithm", "gemm"), one("gemm_depth_block", 0)},
                         "gemm_depth_block must be within [1, 512], got 0"},
                        {1, {one("gemm_depth_block", 513)}, "gemm_depth_block must be within [1, 512], got 513"},
                        // refused also on a pool where the choice would not apply
                        {2, {text("algorithm", "winograd"), ints("tuned_threads", {4})},
                         "algorithm 'winograd' needs a 3x3"},
                        {1, {one("gemm_depth_block", 0), ints("tuned_threads", {4})},
                         "gemm_depth_block must be within [1, 512], got 0"},
                        {1, {text("algorithm", "gemm"), ints("tuned_threads", {})},
                         "tuned_threads must list at least one thread count"},
                        {1, {text("algorithm", "gemm"), ints("tuned_threads", {1, 0})},
                         "tuned_threads must be thread counts of at least 1, got 0"}};
  for (const Case& c : cases) {
    const int64_t out = c.stride == 1 ? 6 : 3;
    OneNodeModel m{"conv2d", {1, 6, 6, 4}, {1, out, out, 9}};
    m.constants.push_back({{2, 36, 8}, std::vector<float>(2 * 36 * 8, 0.5f)});
    m.attrs = {text("layout", "nhwc"), text("weight_layout", "panels8"), one("out_channels", 9),
               ints("kernel_size", {3, 3}), ints("stride", {c.stride, c.stride}), ints("padding", {1, 1}),
               ints("dilation", {1, 1}), one("groups", 1)};
    m.attrs.insert(m.attrs.end(), c.tuning.begin(), c.tuning.end());
    wt_runtime* rt = wt_runtime_create(1);
    const std::vector<uint8_t> file = testing::build_one_node_model(m);
    void* buf = wt_alloc(file.size());
    std::memcpy(buf, file.data(), file.size());
    EXPECT_EQ(wt_model_load(rt, buf, file.size()), nullptr) << c.message;
    EXPECT_NE(std::string(wt_last_error()).find(c.message), std::string::npos) << wt_last_error();
    wt_runtime_destroy(rt);
  }
}

// A choice tuning recorded with tuned_threads applies on pools of those sizes only; elsewhere the
// op decides as the heuristic does (here: the deepest k block).
TEST(NhwcConvOpTest, TunedChoicesApplyAtTheirThreadCounts) {
  const auto depth_at = [](std::vector<Attribute> attrs, size_t threads) -> std::string {
    const Node node{"linear", {}, {}, Attributes("linear", std::move(attrs)), ""};
    std::vector<OutputSpec> specs;
    PrepareContext ctx{node, {}, &specs};
    ctx.threads = threads;
    const Result<size_t> depth = ctx.gemm_depth_block();
    return depth.is_ok() ? std::to_string(depth.value()) : depth.status().message();
  };
  const Attribute depth128{"gemm_depth_block", AttrKind::kInt, 128, 0, {}, {}, ""};
  const Attribute at_one{"tuned_threads", AttrKind::kInts, 0, 0, {1}, {}, ""};
  const Attribute at_one_and_four{"tuned_threads", AttrKind::kInts, 0, 0, {1, 4}, {}, ""};
  EXPECT_EQ(depth_at({depth128}, 1), "128");
  EXPECT_EQ(depth_at({depth128}, 3), "128");  // no tuned_threads: every count
  EXPECT_EQ(depth_at({depth128, at_one}, 1), "128");
  EXPECT_EQ(depth_at({depth128, at_one}, 2), std::to_string(kGemmKc));
  EXPECT_EQ(depth_at({depth128, at_one_and_four}, 4), "128");
  EXPECT_EQ(depth_at({depth128, at_one_and_four}, 2), std::to_string(kGemmKc));
  EXPECT_EQ(depth_at({at_one}, 1), std::to_string(kGemmKc));
}

// The profile's step algorithm: the heuristic's (Winograd at 16x16), or a tuned choice where
// tuned_threads includes the pool's size (2 threads here).
TEST(NhwcConvOpTest, StepsSayWhichAlgorithmRuns) {
  const auto algorithm_on_two_threads = [](std::vector<OneNodeModel::Attr> tuning) -> std::string {
    OneNodeModel m{"conv2d", {1, 16, 16, 8}, {1, 16, 16, 9}};
    m.constants.push_back({{2, 72, 8}, std::vector<float>(2 * 72 * 8, 0.5f)});
    m.attrs = {text("layout", "nhwc"), text("weight_layout", "panels8"), one("out_channels", 9),
               ints("kernel_size", {3, 3}), ints("stride", {1, 1}), ints("padding", {1, 1}),
               ints("dilation", {1, 1}), one("groups", 1)};
    m.attrs.insert(m.attrs.end(), tuning.begin(), tuning.end());
    wt_runtime* rt = wt_runtime_create(2);
    const std::vector<uint8_t> file = testing::build_one_node_model(m);
    void* buf = wt_alloc(file.size());
    std::memcpy(buf, file.data(), file.size());
    wt_model* model = wt_model_load(rt, buf, file.size());
    const std::string algorithm = model ? wt_model_step_algorithm(model, 0) : wt_last_error();
    if (model) {
      EXPECT_EQ(wt_model_step_algorithm(model, 1), nullptr) << "past the last step";
      wt_model_destroy(model);
    }
    wt_runtime_destroy(rt);
    return algorithm;
  };
  EXPECT_EQ(algorithm_on_two_threads({}), "winograd");
  EXPECT_EQ(algorithm_on_two_threads({text("algorithm", "gemm")}), "gemm");
  EXPECT_EQ(algorithm_on_two_threads({text("algorithm", "gemm"), ints("tuned_threads", {1})}), "winograd");
  EXPECT_EQ(algorithm_on_two_threads({text("algorithm", "indirect"), ints("tuned_threads", {1, 2})}), "indirect");
}

// channel_affine (to_nhwc's batch norm) with a fused ReLU, over 2 threads; and the shapes it refuses.
TEST(NhwcChannelAffineOpTest, ScalesShiftsAndClampsTheLastDim) {
  const size_t h = 5, w = 7, c = 19;
  const auto x = random_vector(h * w * c, 66), scale = random_vector(c, 67), shift = random_vector(c, 68);
  OneNodeModel m{"channel_affine", {1, int64_t(h), int64_t(w), int64_t(c)}, {1, int64_t(h), int64_t(w), int64_t(c)}};
  m.constants = {{{int64_t(c)}, scale}, {{int64_t(c)}, shift}};
  m.attrs = {text("activation", "relu")};
  const auto y = run_one_node(m, x);
  ASSERT_EQ(y.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(y[i], std::max(0.f, x[i] * scale[i % c] + shift[i % c]), 1e-6) << i;

  m.constants[1] = {{int64_t(c + 1)}, std::vector<float>(c + 1, 0.f)};
  wt_runtime* rt = wt_runtime_create(1);
  const std::vector<uint8_t> file = testing::build_one_node_model(m);
  void* buf = wt_alloc(file.size());
  std::memcpy(buf, file.data(), file.size());
  EXPECT_EQ(wt_model_load(rt, buf, file.size()), nullptr);
  EXPECT_NE(std::string(wt_last_error()).find("input 2 has shape [20], expected [19]"), std::string::npos)
      << wt_last_error();
  wt_runtime_destroy(rt);
}

// max_pool2d and avg_pool2d with layout = "nhwc" against the NCHW scalar kernels.
TEST(NhwcPoolOpTest, MaxAndAvgMatchNchwKernels) {
  const size_t c = 5, h = 7, w = 6, oh = 4, ow = 3;  // kernel 3, stride 2, padding 1
  const auto x = random_vector(c * h * w, 65);
  const Pool2dGeometry g{h, w, oh, ow, 3, 3, 2, 2, 1, 1, 1, 1, false, 0};
  for (const char* op : {"max_pool2d", "avg_pool2d"}) {
    std::vector<float> ref(c * oh * ow);
    (std::string(op) == "max_pool2d" ? f32_maxpool2d_nchw_scalar : f32_avgpool2d_nchw_scalar)(g, x.data(), ref.data(),
                                                                                              0, c);
    OneNodeModel m{op, {1, int64_t(h), int64_t(w), int64_t(c)}, {1, int64_t(oh), int64_t(ow), int64_t(c)}};
    m.attrs = {text("layout", "nhwc"), ints("kernel_size", {3, 3}), ints("stride", {2, 2}), ints("padding", {1, 1}),
               ints("dilation", {1, 1}), one("count_include_pad", 0)};
    const auto got = nhwc_to_nchw(run_one_node(m, nchw_to_nhwc(x, 1, c, h, w)), 1, c, oh, ow);
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(got[i], ref[i], 1e-6) << op << " " << i;
  }
}

// conv_transpose2d with layout = "nhwc" (a GEMM into columns, then col2im) against its definition.
TEST(NhwcConvTransposeOpTest, MatchesScatterReference) {
  const size_t cin = 4, h = 3, w = 5, cout = 6, k = 3, stride = 2, pad = 1, groups = 2;
  const size_t cin_g = cin / groups, cout_g = cout / groups;
  const size_t oh = (h - 1) * stride - 2 * pad + k, ow = (w - 1) * stride - 2 * pad + k;
  const auto x = random_vector(cin * h * w, 66), wt = random_vector(cin * cout_g * k * k, 67);
  const auto bias = random_vector(cout, 68);
  std::vector<double> ref(cout * oh * ow);
  for (size_t o = 0; o < cout; ++o)
    for (size_t i = 0; i < oh * ow; ++i) ref[o * oh * ow + i] = bias[o];
  for (size_t ic = 0; ic < cin; ++ic)
    for (size_t iy = 0; iy < h; ++iy)
      for (size_t ix = 0; ix < w; ++ix)
        for (size_t o = 0; o < cout_g; ++o)
          for (size_t ky = 0; ky < k; ++ky)
            for (size_t kx = 0; kx < k; ++kx) {
              const long oy = long(iy * stride + ky) - long(pad), ox = long(ix * stride + kx) - long(pad);
              if (oy < 0 || ox < 0 || oy >= long(oh) || ox >= long(ow)) continue;
              ref[((ic / cin_g * cout_g + o) * oh + oy) * ow + ox] +=
                  double(x[(ic * h + iy) * w + ix]) * wt[((ic * cout_g + o) * k + ky) * k + kx];
            }
  // Each group's [Cin/g, k*k*Cout/g] matrix (columns (ky, kx, oc)) in panels, as the exporter packs it.
  const size_t row = k * k * cout_g, panels = (row + 7) / 8;
  std::vector<float> packed(groups * panels * cin_g * 8, 0.f);
  for (size_t ic = 0; ic < cin; ++ic)
    for (size_t o = 0; o < cout_g; ++o)
      for (size_t t = 0; t < k * k; ++t) {
        const size_t col = t * cout_g + o;
        packed[((ic / cin_g * panels + col / 8) * cin_g + ic % cin_g) * 8 + col % 8] =
            wt[(ic * cout_g + o) * k * k + t];
      }
  OneNodeModel m{
      "conv_transpose2d", {1, int64_t(h), int64_t(w), int64_t(cin)}, {1, int64_t(oh), int64_t(ow), int64_t(cout)}};
  m.constants = {{{int64_t(groups * panels), int64_t(cin_g), 8}, packed}, {{int64_t(cout)}, bias}};
  m.attrs = {text("layout", "nhwc"),
             text("weight_layout", "panels8"),
             one("out_channels", int64_t(cout)),
             ints("kernel_size", {int64_t(k), int64_t(k)}),
             ints("stride", {int64_t(stride), int64_t(stride)}),
             ints("padding", {int64_t(pad), int64_t(pad)}),
             ints("dilation", {1, 1}),
             ints("output_padding", {0, 0}),
             one("groups", int64_t(groups))};
  const auto got = nhwc_to_nchw(run_one_node(m, nchw_to_nhwc(x, 1, cin, h, w)), 1, cout, oh, ow);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(got[i], ref[i], 1e-4) << i;
}

}  // namespace
}  // namespace wt
