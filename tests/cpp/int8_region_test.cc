// Int8 regions (ops/common/static_quantization.h): static convolutions that read their input as
// bytes already quantized, and that write their output as bytes requantized in the epilogue. Each
// path (the 4x8c2 tile, the byte tile, float Winograd, the int8 and the float depthwise kernels;
// this build's kernel table and the references) against the same op on float edges: bytes in give
// the outputs the dequantized bytes give, and bytes out are the float outputs quantized.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "api/wasm_torch.h"
#include "kernels/qd8_gemm.h"
#include "model_builder.h"
#include "one_node_runner.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::OneNodeModel;
using testing::random_vector;
using testing::run_one_node_bytes;
namespace fb = ::wasm_torch::schema;

struct RegionCase {
  const char* name;
  bool depthwise;
  size_t h, w, c, out, k, stride, pad;
  bool residual;
  const char* activation;
  int bits, threads;
  const char* algorithm = "";  // "" (the heuristic's), "gemm" or "winograd"
  bool halves = false;         // 8 bits of at most 254 (input_max, output_max): the split tile
};

std::string region_case_name(const ::testing::TestParamInfo<RegionCase>& info) { return info.param.name; }

constexpr float kInputScale = 0.0173f, kOutputScale = 0.0291f;

int zero_point(int bits) { return bits == 7 ? 60 : 131; }

int top_code(const RegionCase& c) { return c.halves ? kQu8HalvesMaxByte : (1 << c.bits) - 1; }

Qu8Params params(float scale, const RegionCase& c) {
  const float zp = static_cast<float>(zero_point(c.bits));
  return Qu8Params{1.f / scale, -zp, static_cast<float>(top_code(c)) - zp};
}

std::vector<int8_t> random_bytes(size_t n, uint32_t seed) {
  std::vector<int8_t> v(n);
  const auto f = random_vector(n, seed);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(std::lround(f[i] * 127.f));
  return v;
}

// The case's op on float edges; bytes_in / bytes_out make either edge bytes.
OneNodeModel region_model(const RegionCase& c, bool bytes_in, bool bytes_out) {
  const size_t oh = (c.h + 2 * c.pad - c.k) / c.stride + 1, ow = (c.w + 2 * c.pad - c.k) / c.stride + 1;
  const size_t out = c.depthwise ? c.c : c.out;
  const auto i64 = [](size_t v) { return int64_t(v); };
  OneNodeModel m;
  m.input_shape = {1, i64(c.h), i64(c.w), i64(c.c)};
  m.output_shape = {1, i64(oh), i64(ow), i64(out)};
  if (c.depthwise) {
    m.op = "static_quantized_depthwise_conv2d";
    m.constants.push_back({{i64(c.k * c.k), i64(c.c)}, {}, random_bytes(c.k * c.k * c.c, 31)});
  } else {
    m.op = "static_quantized_conv2d";
    const size_t kp = qd8_panel_padded_k(c.k * c.k * c.c), panels = (c.out + kQd8PanelNr - 1) / kQd8PanelNr;
    m.constants.push_back({{i64(panels), i64(kp / 2), 8, 2}, {}, random_bytes(panels * kp * kQd8PanelNr, 31)});
  }
  m.constants.push_back({{i64(out)}, random_vector(out, 32)});
  m.constants.push_back({m.output_shape, random_vector(oh * ow * out, 33), {}, !c.residual});
  m.constants.push_back({{i64(out)}, random_vector(out, 34, 0.002f, 0.01f)});
  m.attrs = {{"layout", {}, "nhwc"},
             {"stride", {i64(c.stride), i64(c.stride)}},
             {"padding", {i64(c.pad), i64(c.pad)}},
             {"dilation", {1, 1}},
             {"kernel_size", {i64(c.k), i64(c.k)}},
             {"activation", {}, c.activation},
             {"input_scale", {}, "", false, kInputScale},
             {"input_zero_point", {zero_point(c.bits)}, "", true},
             {"input_bits", {c.bits}, "", true}};
  if (c.depthwise) m.attrs.push_back({"groups", {i64(c.c)}, "", true});
  if (!c.depthwise) m.attrs.push_back({"out_channels", {i64(c.out)}, "", true});
  if (*c.algorithm) m.attrs.push_back({"algorithm", {}, c.algorithm});
  if (c.halves) m.attrs.push_back({"input_max", {kQu8HalvesMaxByte}, "", true});
  if (bytes_in) m.input_dtype = fb::DType_uint8;
  if (bytes_out) {
    m.output_dtype = fb::DType_uint8;
    m.attrs.push_back({"output_scale", {}, "", false, kOutputScale});
    m.attrs.push_back({"output_zero_point", {zero_point(c.bits)}, "", true});
    m.attrs.push_back({"output_bits", {c.bits}, "", true});
    if (c.halves) m.attrs.push_back({"output_max", {kQu8HalvesMaxByte}, "", true});
  }
  return m;
}

std::vector<float> as_floats(const std::vector<uint8_t>& bytes) {
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

class Int8RegionTest : public ::testing::TestWithParam<RegionCase> {};

TEST_P(Int8RegionTest, BytesInAndOutMatchTheFloatEdges) {
  const RegionCase c = GetParam();
  const int top = top_code(c);
  std::vector<uint8_t> u(c.h * c.w * c.c);
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>((i * 53 + 7) % (top + 1));
  std::vector<float> x(u.size());
  qu8_dequantize_scalar(u.size(), u.data(), zero_point(c.bits), kInputScale, x.data());
  // An activation computed outside the tile may round a last bit otherwise at another position in
  // a vector: then a byte may land one step over.
  const int byte_slack = std::strcmp(c.activation, "gelu") == 0 ? 1 : 0;

  const auto floats = run_one_node_bytes(region_model(c, false, false), x.data(), x.size() * 4, c.threads, true);
  const auto bytes_in = run_one_node_bytes(region_model(c, true, false), u.data(), u.size(), c.threads, true);
  const auto bytes_out = run_one_node_bytes(region_model(c, false, true), x.data(), x.size() * 4, c.threads, true);
  const auto both = run_one_node_bytes(region_model(c, true, true), u.data(), u.size(), c.threads, true);
  ASSERT_EQ(floats.size(), 2u);
  ASSERT_EQ(bytes_in.size(), 2u);
  ASSERT_EQ(bytes_out.size(), 2u);
  ASSERT_EQ(both.size(), 2u);
  for (size_t run = 0; run < 2; ++run) {  // this build's kernels, then the references
    const char* table = run == 0 ? "build" : "references";
    EXPECT_EQ(as_floats(bytes_in[run]), as_floats(floats[run])) << table << ": bytes in";
    const std::vector<float> y = as_floats(floats[run]);
    std::vector<uint8_t> expected(y.size());
    qu8_quantize_to_u8_scalar(y.size(), y.data(), params(kOutputScale, c), expected.data());
    ASSERT_EQ(bytes_out[run].size(), expected.size());
    size_t differ = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_LE(std::abs(int{bytes_out[run][i]} - int{expected[i]}), byte_slack) << table << " at " << i;
      ASSERT_LE(std::abs(int{both[run][i]} - int{expected[i]}), byte_slack) << table << " both edges at " << i;
      differ += bytes_out[run][i] != expected[i];
    }
    EXPECT_LE(differ, expected.size() / 100) << table;
    // The bytes span the range: the test is not comparing saturated values only.
    size_t inside = 0;
    for (uint8_t b : expected) inside += b > 0 && b < top;
    EXPECT_GT(inside, expected.size() / 2) << table;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, Int8RegionTest,
    ::testing::Values(
        // 1x1 read in place (bytes as they are; widened for the 4x8c2 tile) and a residual.
        RegionCase{"pointwise_in_place_7bit", false, 6, 5, 32, 20, 1, 1, 0, false, "relu", 7, 2},
        RegionCase{"pointwise_residual_7bit", false, 5, 5, 16, 13, 1, 1, 0, true, "none", 7, 1},
        RegionCase{"pointwise_8bit", false, 6, 5, 32, 20, 1, 1, 0, true, "relu", 8, 2},
        // 3x3 gathered with padding (what the padding reads is the zero point), a stride, an
        // activation outside the tile; Winograd in this build's table, the byte tile in the
        // references, and Winograd by attribute in both.
        RegionCase{"conv3x3_7bit", false, 16, 15, 8, 13, 3, 1, 1, true, "relu", 7, 2},
        RegionCase{"conv3x3_stride2_gelu_7bit", false, 11, 10, 8, 12, 3, 2, 1, false, "gelu", 7, 2},
        // K = 2304: the gathered rows leave room for 72 channels of floats a task (4x8c2 tile), so
        // the 80 channels are requantized in two blocks.
        RegionCase{"deep_conv_split_block_7bit", false, 5, 5, 256, 80, 3, 1, 1, true, "relu", 7, 2, "gemm"},
        RegionCase{"conv3x3_winograd_8bit", false, 16, 15, 8, 16, 3, 1, 1, false, "relu6", 8, 1, "winograd"},
        // 8 bits of at most 254: the split tile in the references, its rows made halves per task
        // (in place, gathered, and past K = 2304's gathered rows with a float block).
        RegionCase{"pointwise_halves", false, 6, 5, 32, 20, 1, 1, 0, true, "relu", 8, 2, "", true},
        RegionCase{"conv3x3_halves", false, 11, 10, 8, 12, 3, 2, 1, false, "none", 8, 2, "gemm", true},
        RegionCase{"deep_conv_split_block_halves", false, 5, 5, 256, 80, 3, 1, 1, true, "gelu", 8, 2, "gemm", true},
        // Depthwise: the int8 kernel (references, stride 1, 7 bits), else the float kernel.
        RegionCase{"depthwise_7bit", true, 7, 9, 24, 0, 3, 1, 1, false, "relu6", 7, 2},
        RegionCase{"depthwise_stride2_7bit", true, 9, 8, 16, 0, 3, 2, 1, false, "relu", 7, 2},
        RegionCase{"depthwise_5x5_8bit", true, 6, 5, 17, 0, 5, 1, 2, false, "none", 8, 1}),
    region_case_name);

// Bytes where a float is expected, a float where bytes are, and a bad output quantization are load
// errors naming the problem.
TEST(Int8Region, InconsistentEdgesAreLoadErrors) {
  const RegionCase c{"", false, 5, 5, 16, 8, 1, 1, 0, false, "none", 7, 1};
  wt_runtime* rt = wt_runtime_create(1);
  OneNodeModel declared_float = region_model(c, false, true);
  declared_float.output_dtype = fb::DType_float32;
  EXPECT_EQ(testing::load_one_node(rt, declared_float), nullptr);
  EXPECT_NE(std::string(wt_last_error()).find("is declared float32"), std::string::npos) << wt_last_error();
  OneNodeModel bad_zero_point = region_model(c, true, true);
  for (auto& a : bad_zero_point.attrs) {
    if (a.name == "output_zero_point") a.ints = {200};
  }
  EXPECT_EQ(testing::load_one_node(rt, bad_zero_point), nullptr);
  EXPECT_NE(std::string(wt_last_error()).find("output_zero_point must be in [0, 127]"), std::string::npos)
      << wt_last_error();
  OneNodeModel int8_input = region_model(c, true, false);
  int8_input.input_dtype = fb::DType_int8;
  EXPECT_EQ(testing::load_one_node(rt, int8_input), nullptr);
  EXPECT_NE(std::string(wt_last_error()).find("input 0"), std::string::npos) << wt_last_error();
  // The runtime still loads and runs a good one.
  wt_model* good = testing::load_one_node(rt, region_model(c, true, true));
  EXPECT_NE(good, nullptr) << wt_last_error();
  wt_model_destroy(good);
  wt_runtime_destroy(rt);
}

}  // namespace
}  // namespace wt
