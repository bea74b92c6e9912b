// The int8 GEMM (qd8_gemm.h): dynamic row quantization, static (qu8) quantization and tiles, SIMD128
// against the scalar reference bit for bit and the reference against exact integer sums; then the
// dynamic_quantized_linear and static_quantized_linear ops end to end through the C ABI against a
// double-precision model of what they compute.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "api/wasm_torch.h"
#include "kernels/f32_winograd.h"
#include "kernels/kernel_table.h"
#include "kernels/qd8_gemm.h"
#include "kernels/simd128.h"
#include "model_builder.h"
#include "one_node_runner.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::load_one_node;
using testing::random_vector;
using testing::run_one_node;

// The quantization the op promises, computed independently: symmetric, scale max|x| / 127.
std::vector<int16_t> quantize_ref(const std::vector<float>& x, size_t kp, float* scale) {
  float amax = 0.f;
  for (float v : x) amax = std::fmax(amax, std::fabs(v));
  *scale = amax / 127.f;
  std::vector<int16_t> q(kp, 0);
  for (size_t i = 0; i < x.size() && amax > 0; ++i) q[i] = static_cast<int16_t>(std::nearbyint(x[i] * (127.f / amax)));
  return q;
}

std::vector<int8_t> random_int8(size_t n, uint32_t seed) {
  std::vector<int8_t> v(n);
  const auto f = random_vector(n, seed);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(std::lround(f[i] * 127.f));
  return v;
}

// --- row quantization --------------------------------------------------------------------------
class Qd8QuantizeRowTest : public ::testing::TestWithParam<size_t> {};

TEST_P(Qd8QuantizeRowTest, SimdMatchesScalarAndReference) {
  const size_t k = GetParam(), kp = qd8_padded_k(k);
  auto x = random_vector(k, static_cast<uint32_t>(k), -3.f, 3.f);
  std::vector<int16_t> scalar(kp, 99), simd(kp, 77);
  const float s_scalar = qd8_quantize_row_scalar(k, kp, x.data(), scalar.data());
  const float s_simd = build_kernels().qd8_quantize_row(k, kp, x.data(), simd.data());
  EXPECT_EQ(s_scalar, s_simd);
  EXPECT_EQ(scalar, simd);
  float s_ref;
  EXPECT_EQ(scalar, quantize_ref(x, kp, &s_ref));
  EXPECT_EQ(s_scalar, s_ref);
}

INSTANTIATE_TEST_SUITE_P(Lengths, Qd8QuantizeRowTest, ::testing::Values(1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 100, 384));

TEST(Qd8QuantizeRow, RoundsTiesToEvenAndPadsWithZeros) {
  // amax 127: the scale is 1, so x quantizes to nearest-even(x).
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -127.f, 127.f};
  const std::vector<int16_t> expected = {0, 2, 2, 0, -2, -2, 126, -127, 127, 0, 0, 0, 0, 0, 0, 0};
  for (auto fn : {&qd8_quantize_row_scalar, build_kernels().qd8_quantize_row}) {
    std::vector<int16_t> q(16, 5);
    EXPECT_EQ(fn(x.size(), 16, x.data(), q.data()), 1.f);
    EXPECT_EQ(q, expected);
  }
}

TEST(Qd8QuantizeRow, ZeroRowHasScaleZeroNonFiniteRowHasNaN) {
  for (auto fn : {&qd8_quantize_row_scalar, build_kernels().qd8_quantize_row}) {
    std::vector<float> x(20, 0.f);
    std::vector<int16_t> q(32, 5);
    EXPECT_EQ(fn(20, 32, x.data(), q.data()), 0.f);
    EXPECT_EQ(q, std::vector<int16_t>(32, 0));
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      for (size_t at : {0, 5, 19}) {
        x.assign(20, 1.f);
        x[at] = bad;
        EXPECT_TRUE(std::isnan(fn(20, 32, x.data(), q.data()))) << bad << " at " << at;
      }
    }
  }
}

// The row as the split tile's halves: qd8_quantize_row's q and scale, each u = q + 127 as two 7-bit
// halves that differ by at most one, zero past k; a zero or non-finite row as q = 0 throughout.
void expect_halves_of(const std::vector<uint8_t>& xh, const std::vector<int16_t>& q, size_t k, size_t kp) {
  for (size_t i = 0; i < kp; ++i) {
    const size_t at = 2 * (i - i % 4) + i % 4;
    const int first = xh[at], second = xh[at + 4];
    ASSERT_EQ(first + second, i < k ? q[i] + kQd8ByteZeroPoint : 0) << "at " << i;
    ASSERT_TRUE(first - second == 0 || first - second == 1) << first << ", " << second << " at " << i;
    ASSERT_LE(first, 127) << "at " << i;
  }
}

class Qd8QuantizeRowToHalvesTest : public ::testing::TestWithParam<size_t> {};

TEST_P(Qd8QuantizeRowToHalvesTest, SimdMatchesScalarAndTheInt16Row) {
  const size_t k = GetParam(), kp = qd8_padded_k(k);
  auto x = random_vector(k, static_cast<uint32_t>(k) + 5, -3.f, 3.f);
  x[k / 2] = 3.f;  // q = 127 and, at k / 3 when distinct, -127: both ends of the bytes
  if (k > 2) x[k / 3] = -3.f;
  std::vector<int16_t> q(kp);
  const float scale = qd8_quantize_row_scalar(k, kp, x.data(), q.data());
  for (auto fn : {&qd8_quantize_row_to_halves_scalar, build_kernels().qd8_quantize_row_to_halves}) {
    std::vector<uint8_t> xh(2 * kp + 1, 99);
    EXPECT_EQ(fn(k, kp, x.data(), xh.data()), scale);
    expect_halves_of(xh, q, k, kp);
    EXPECT_EQ(xh[2 * kp], 99) << "wrote past 2 kp";
  }
}

INSTANTIATE_TEST_SUITE_P(Lengths, Qd8QuantizeRowToHalvesTest, ::testing::Values(1, 3, 7, 8, 9, 16, 17, 31, 100, 384));

TEST(Qd8QuantizeRowToHalves, ZeroAndNonFiniteRowsAreAllZeroPoint) {
  const std::vector<int16_t> zeros(32, 0);
  for (auto fn : {&qd8_quantize_row_to_halves_scalar, build_kernels().qd8_quantize_row_to_halves}) {
    std::vector<float> x(20, 0.f);
    std::vector<uint8_t> xh(64, 5);
    EXPECT_EQ(fn(20, 32, x.data(), xh.data()), 0.f);
    expect_halves_of(xh, zeros, 20, 32);
    x[7] = std::numeric_limits<float>::infinity();
    EXPECT_TRUE(std::isnan(fn(20, 32, x.data(), xh.data())));
    expect_halves_of(xh, zeros, 20, 32);
  }
}

// --- static (calibrated) quantization ---------------------------------------------------------
// What qu8 promises, computed independently: u = clamp(round(x / scale) + zp, 0, top) (top 255, or
// 127 for 7-bit inputs), stored u - zp.
int16_t qu8_ref(float x, float inv_scale, int zero_point, int top = 255) {
  if (std::isnan(x)) return 0;
  const double u = std::clamp(double(std::nearbyint(x * inv_scale)) + zero_point, 0.0, double(top));
  return static_cast<int16_t>(u - zero_point);
}

class Qu8QuantizeTest : public ::testing::TestWithParam<std::tuple<size_t, int>> {};

TEST_P(Qu8QuantizeTest, SimdMatchesScalarAndReference) {
  const auto [n, zero_point] = GetParam();
  auto x = random_vector(n, static_cast<uint32_t>(n + zero_point), -4.f, 4.f);
  const float inv_scale = 40.f;  // +-4 spans +-160 steps: both ends saturate for every zero point
  const Qu8Params p{inv_scale, -float(zero_point), 255.f - float(zero_point)};
  std::vector<int16_t> scalar(n + 3, 99), simd(n + 3, 99);
  qu8_quantize_scalar(n, x.data(), p, scalar.data());
  build_kernels().qu8_quantize(n, x.data(), p, simd.data());
  EXPECT_EQ(scalar, simd);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(scalar[i], qu8_ref(x[i], inv_scale, zero_point)) << "at " << i;
  EXPECT_EQ(scalar[n], 99) << "wrote past n";
}

INSTANTIATE_TEST_SUITE_P(LengthsAndZeroPoints, Qu8QuantizeTest,
                         ::testing::Combine(::testing::Values(1, 7, 8, 9, 16, 33, 1000), ::testing::Values(0, 3, 128, 255)));

TEST(Qu8Quantize, RoundsTiesToEvenSaturatesAndZeroesNaN) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 0.f, -0.f, 300.f, -300.f, inf, -inf, nan, 127.f, -11.f,
                                -10.f, 245.f};
  // zero point 10: the stored range is [-10, 245].
  const std::vector<int16_t> expected = {0, 2, 2, 0, -2, 0, 0, 245, -10, 245, -10, 0, 127, -10, -10, 245};
  for (auto fn : {&qu8_quantize_scalar, build_kernels().qu8_quantize}) {
    std::vector<int16_t> q(x.size(), 5);
    fn(x.size(), x.data(), Qu8Params{1.f, -10.f, 245.f}, q.data());
    EXPECT_EQ(q, expected);
  }
}

// The bytes: u = q + zero_point, for the byte tile; the same values as qu8_quantize's q.
class Qu8QuantizeToU8Test : public ::testing::TestWithParam<std::tuple<size_t, int, int>> {};

TEST_P(Qu8QuantizeToU8Test, SimdMatchesScalarAndTheInt16Values) {
  const auto [n, zero_point, top] = GetParam();
  auto x = random_vector(n, static_cast<uint32_t>(n + zero_point), -4.f, 4.f);
  x[n / 2] = std::numeric_limits<float>::quiet_NaN();
  const Qu8Params p{40.f, -float(zero_point), float(top - zero_point)};
  std::vector<uint8_t> scalar(n + 3, 99), simd(n + 3, 99);
  std::vector<int16_t> q(n);
  qu8_quantize_to_u8_scalar(n, x.data(), p, scalar.data());
  build_kernels().qu8_quantize_to_u8(n, x.data(), p, simd.data());
  qu8_quantize_scalar(n, x.data(), p, q.data());
  EXPECT_EQ(scalar, simd);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(int{scalar[i]}, q[i] + zero_point) << "at " << i;
  EXPECT_EQ(scalar[n], 99) << "wrote past n";
}

INSTANTIATE_TEST_SUITE_P(LengthsZeroPointsAndBits, Qu8QuantizeToU8Test,
                         ::testing::Combine(::testing::Values(1, 15, 16, 17, 33, 1000), ::testing::Values(0, 3, 64, 127),
                                            ::testing::Values(127, 255)));

// Static rows of codes 0..254 as the split tile's halves: SIMD bit for bit the reference, and the
// reference the definition (qu8_quantize_one's byte, its halves), zero past k.
class Qu8QuantizeRowToHalvesTest : public ::testing::TestWithParam<std::tuple<size_t, int>> {};

TEST_P(Qu8QuantizeRowToHalvesTest, SimdMatchesTheDefinition) {
  const auto [k, zero_point] = GetParam();
  const size_t kp = qu8_panel_padded_k(k) + 4;  // a quad of padding past the tail's
  auto x = random_vector(k, static_cast<uint32_t>(k + zero_point), -4.f, 4.f);
  x[k - 1] = 1e4f;  // saturates at the top code
  if (k > 2) x[k / 2] = std::numeric_limits<float>::quiet_NaN();
  const Qu8Params p{30.f, -float(zero_point), float(kQu8HalvesMaxByte - zero_point)};
  std::vector<uint8_t> scalar(2 * kp + 3, 99), simd(2 * kp + 3, 99), expected(2 * kp + 3, 0);
  qu8_quantize_row_to_halves_scalar(k, kp, x.data(), p, scalar.data());
  build_kernels().qu8_quantize_row_to_halves(k, kp, x.data(), p, simd.data());
  for (size_t i = 0; i < k; ++i) put_halves(expected.data(), i, qu8_quantize_one(x[i], p));
  std::fill(expected.begin() + 2 * kp, expected.end(), 99);
  EXPECT_EQ(scalar, expected);
  EXPECT_EQ(simd, expected);
  size_t ends = 0;
  for (size_t i = 0; i < k; ++i) ends += qu8_quantize_one(x[i], p) == kQu8HalvesMaxByte;
  EXPECT_GT(ends, 0u) << "no value at the top code";
}

INSTANTIATE_TEST_SUITE_P(LengthsAndZeroPoints, Qu8QuantizeRowToHalvesTest,
                         ::testing::Combine(::testing::Values(1, 7, 8, 9, 16, 33, 384), ::testing::Values(0, 100, 254)));

// A convolution's gathered rows of codes 0..254 as the split tile's halves: the reference and the
// SIMD kernel each the definition ((u + 1) >> 1 then u >> 1, a quad each), nothing past 2 kp.
class Qu8BytesToHalvesTest : public ::testing::TestWithParam<size_t> {};

TEST_P(Qu8BytesToHalvesTest, MatchesTheDefinition) {
  const size_t kp = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(kp));
  std::vector<uint8_t> u(kp);
  for (uint8_t& v : u) v = static_cast<uint8_t>(rng() % (kQu8HalvesMaxByte + 1));
  u[0] = 0, u[kp - 1] = kQu8HalvesMaxByte;
  std::vector<uint8_t> scalar(2 * kp + 3, 99), simd(2 * kp + 3, 99), expected(2 * kp + 3, 99);
  for (size_t i = 0; i < kp; ++i) {
    expected[2 * (i / 4 * 4) + i % 4] = static_cast<uint8_t>((u[i] + 1) / 2);
    expected[2 * (i / 4 * 4) + 4 + i % 4] = static_cast<uint8_t>(u[i] / 2);
  }
  qu8_bytes_to_halves_scalar(kp, u.data(), scalar.data());
  build_kernels().qu8_bytes_to_halves(kp, u.data(), simd.data());
  EXPECT_EQ(scalar, expected);
  EXPECT_EQ(simd, expected);
}

INSTANTIATE_TEST_SUITE_P(RowLengths, Qu8BytesToHalvesTest, ::testing::Values(4, 8, 12, 16, 20, 36, 388));

// An int8 region's bytes back: q = u - zero_point (the 4x8c2 tile's values) and (u - zero_point) *
// scale, SIMD bit for bit the references', and the references the definitions, every byte value.
class Qu8FromBytesTest : public ::testing::TestWithParam<std::tuple<size_t, int>> {};

TEST_P(Qu8FromBytesTest, WidenAndDequantizeMatchTheDefinitions) {
  const auto [n, zero_point] = GetParam();
  std::vector<uint8_t> u(n);
  for (size_t i = 0; i < n; ++i) u[i] = static_cast<uint8_t>((i * 37 + n) % 256);
  const float scale = 0.0371f;
  std::vector<int16_t> q_ref(n + 3, 99), q_simd(n + 3, 99);
  std::vector<float> y_ref(n + 3, 99.f), y_simd(n + 3, 99.f);
  qu8_widen_scalar(n, u.data(), zero_point, q_ref.data());
  build_kernels().qu8_widen(n, u.data(), zero_point, q_simd.data());
  qu8_dequantize_scalar(n, u.data(), zero_point, scale, y_ref.data());
  build_kernels().qu8_dequantize(n, u.data(), zero_point, scale, y_simd.data());
  EXPECT_EQ(q_ref, q_simd);
  EXPECT_EQ(y_ref, y_simd);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(q_ref[i], int{u[i]} - zero_point) << "at " << i;
    ASSERT_EQ(y_ref[i], static_cast<float>(int{u[i]} - zero_point) * scale) << "at " << i;
  }
  EXPECT_EQ(q_ref[n], 99) << "wrote past n";
  EXPECT_EQ(y_simd[n], 99.f) << "wrote past n";
}

INSTANTIATE_TEST_SUITE_P(LengthsAndZeroPoints, Qu8FromBytesTest,
                         ::testing::Combine(::testing::Values(1, 15, 16, 17, 33, 256, 1000),
                                            ::testing::Values(0, 3, 127, 255)));

// Quantizing what the bytes dequantize to gives the bytes back (the region's edges round-trip).
TEST(Qu8FromBytes, DequantizedBytesQuantizeBackToThemselves) {
  for (const int zero_point : {0, 5, 64, 127}) {
    const float scale = 0.0173f;
    std::vector<uint8_t> u(128), back(128);
    for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(i);
    std::vector<float> y(u.size());
    build_kernels().qu8_dequantize(u.size(), u.data(), zero_point, scale, y.data());
    const Qu8Params p{1.f / scale, -float(zero_point), float(127 - zero_point)};
    build_kernels().qu8_quantize_to_u8(y.size(), y.data(), p, back.data());
    EXPECT_EQ(back, u) << "zero point " << zero_point;
  }
}

// [N, Kp] weight rows as panels [ceil(N / 8)][Kp / kr][8][kr], zero past N: the 4x8c2 tile's
// (kr = 2) or the byte tile's (kr = 4).
std::vector<int8_t> to_panels(const std::vector<int8_t>& rows, size_t n, size_t kp, size_t kr = kQd8PanelKr) {
  std::vector<int8_t> panels((n + kQd8PanelNr - 1) / kQd8PanelNr * kQd8PanelNr * kp, 0);
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = 0; i < kp; ++i) {
      panels[((j / kQd8PanelNr * kp / kr + i / kr) * kQd8PanelNr + j % kQd8PanelNr) * kr + i % kr] = rows[j * kp + i];
    }
  }
  return panels;
}

// --- tiles: every partial shape and output mode --------------------------------------------------
// A tile test's epilogue: random scales and bias for `rows` x `cols`, the bias or not, onto the
// previous values or not, and the clamp `act` selects (0 none, 1 ReLU's, 2 [-0.5, 0.5]).
struct TileEpilogue {
  std::vector<float> a_scale, w_scale, bias;
  Qd8Output out;
  TileEpilogue(size_t rows, size_t cols, bool with_bias, bool accumulate, int act)
      : a_scale(random_vector(rows, 4, 0.001f, 0.1f)),
        w_scale(random_vector(cols, 5, 0.001f, 0.1f)),
        bias(random_vector(cols, 6)),
        out{a_scale.data(), w_scale.data(), with_bias ? bias.data() : nullptr, accumulate, {}} {
    if (act == 1) out.minmax = {0.f, std::numeric_limits<float>::infinity()};
    if (act == 2) out.minmax = {-0.5f, 0.5f};
  }
  TileEpilogue(const TileEpilogue&) = delete;  // out points into the vectors
  TileEpilogue& operator=(const TileEpilogue&) = delete;
};
struct Tile {
  const char* name;
  size_t max_rows, max_cols;
  Qd8GemmFn fn;
};

std::vector<Tile> simd_tiles() {
  return {{"2x4", kQd8Mr, kQd8Nr, build_kernels().qd8_gemm_2x4}, {"1x8", 1, kQd8RowNr, build_kernels().qd8_gemm_1x8}};
}

// A tile's outputs: the SIMD run's and the reference's, from the same initial c0 (ldc wide).
struct TileRuns {
  const std::vector<float>&scalar, &simd, &c0;
  size_t ldc;
};

// The SIMD run matches the reference bit for bit, the reference matches the exact sums through the
// epilogue (weight(c, j): column c's weight j), and neither wrote outside rows x cols.
template <typename Weight>
void expect_tile(const char* name, size_t rows, size_t cols, size_t max_rows, size_t kp, const std::vector<int16_t>& a,
                 size_t lda, Weight weight, const TileRuns& runs, const Qd8Output& out) {
  for (size_t r = 0; r < max_rows; ++r) {
    for (size_t c = 0; c < runs.ldc; ++c) {
      const size_t i = r * runs.ldc + c;
      ASSERT_EQ(runs.simd[i], runs.scalar[i]) << name << " " << rows << "x" << cols << " at row " << r << " col " << c;
      if (r >= rows || c >= cols) {
        ASSERT_EQ(runs.scalar[i], runs.c0[i]) << "wrote outside the tile at row " << r << " col " << c;
        continue;
      }
      int64_t sum = 0;
      for (size_t j = 0; j < kp; ++j) sum += int64_t{a[r * lda + j]} * weight(c, j);
      double v = double(sum) * out.a_scale[r] * out.w_scale[c] + (out.bias ? out.bias[c] : 0.0) +
                 (out.accumulate ? runs.c0[i] : 0.0);
      v = testing::clamp_ref(v, out.minmax);
      ASSERT_NEAR(runs.scalar[i], v, 1e-5 * (1 + std::fabs(v))) << name << " row " << r << " col " << c;
    }
  }
}

class Qd8TileTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, bool, bool, int>> {};

TEST_P(Qd8TileTest, SimdMatchesScalarAndExactSums) {
  const auto [shape, k, with_bias, accumulate, act] = GetParam();
  const size_t kp = qd8_padded_k(k), lda = kp + 16, ldw = kp + 32, ldc = 11;
  std::vector<int16_t> a(kQd8Mr * lda);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int16_t>(static_cast<int>((i * 37 + 11) % 255) - 127);
  for (size_t r = 0; r < kQd8Mr; ++r) std::fill(a.begin() + r * lda + k, a.begin() + r * lda + kp, 0);
  auto w = random_int8(kQd8RowNr * ldw, 3);
  for (size_t c = 0; c < kQd8RowNr; ++c) std::fill(w.begin() + c * ldw + k, w.begin() + c * ldw + kp, 0);
  const TileEpilogue epilogue(kQd8Mr, kQd8RowNr, with_bias, accumulate, act);
  const Qd8Output& out = epilogue.out;
  const auto c0 = random_vector(kQd8Mr * ldc, 7);
  for (const Tile& tile : simd_tiles()) {
    if (!WT_HAVE_SIMD128) GTEST_SKIP() << "this build has no SIMD128 kernels";
    // Every shape the tile takes: shape enumerates (rows, cols) pairs up to its maximum.
    const size_t rows = 1 + shape % tile.max_rows, cols = 1 + shape / tile.max_rows % tile.max_cols;
    auto scalar = c0, simd = c0;
    qd8_f32_qc8w_gemm_scalar(rows, cols, kp, a.data(), lda, w.data(), ldw, scalar.data(), ldc, out);
    tile.fn(rows, cols, kp, a.data(), lda, w.data(), ldw, simd.data(), ldc, out);
    expect_tile(tile.name, rows, cols, kQd8Mr, kp, a, lda, [&](size_t c, size_t j) { return w[c * ldw + j]; },
                {scalar, simd, c0, ldc}, out);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Qd8TileTest,
                         ::testing::Combine(::testing::Range<size_t>(0, 8), ::testing::Values(1, 15, 16, 17, 64, 200),
                                            ::testing::Bool(), ::testing::Bool(), ::testing::Values(0, 1, 2)));

class Qd8PanelTileTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, bool, bool, int>> {};

TEST_P(Qd8PanelTileTest, SimdMatchesScalarAndExactSums) {
  if (!WT_HAVE_SIMD128) GTEST_SKIP() << "this build has no SIMD128 kernels";
  const auto [rows, cols, k, with_bias, accumulate, act] = GetParam();
  const size_t kp = qd8_panel_padded_k(k), lda = kp + 6, ldc = 11;
  // Static operands span [-255, 255] (qu8 with the zero point subtracted).
  std::vector<int16_t> a(kQd8PanelMr * lda);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int16_t>(static_cast<int>((i * 37 + 11) % 511) - 255);
  for (size_t r = 0; r < kQd8PanelMr; ++r) std::fill(a.begin() + r * lda + k, a.begin() + r * lda + kp, 0);
  auto w = random_int8(kQd8PanelNr * kp, 3);
  for (size_t c = 0; c < kQd8PanelNr; ++c) {
    std::fill(w.begin() + c * kp + k, w.begin() + (c + 1) * kp, 0);
    if (c >= cols) std::fill(w.begin() + c * kp, w.begin() + (c + 1) * kp, 0);  // past N: zero
  }
  const auto panel = to_panels(w, kQd8PanelNr, kp);
  const TileEpilogue epilogue(kQd8PanelMr, kQd8PanelNr, with_bias, accumulate, act);
  const Qd8Output& out = epilogue.out;
  const auto c0 = random_vector(kQd8PanelMr * ldc, 7);
  auto scalar = c0, simd = c0;
  qd8_f32_qc8w_gemm_4x8c2_scalar(rows, cols, kp, a.data(), lda, panel.data(), scalar.data(), ldc, out);
  build_kernels().qd8_gemm_4x8c2(rows, cols, kp, a.data(), lda, panel.data(), simd.data(), ldc, out);
  expect_tile("4x8c2", rows, cols, kQd8PanelMr, kp, a, lda, [&](size_t c, size_t j) { return w[c * kp + j]; },
              {scalar, simd, c0, ldc}, out);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Qd8PanelTileTest,
                         ::testing::Combine(::testing::Values(1, 2, 3, 4), ::testing::Values(1, 3, 4, 5, 8),
                                            ::testing::Values(1, 2, 7, 16, 145), ::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values(0, 1, 2)));

// The same operands as both tiles read them: kQu8PanelMr rows of bytes u in 0..values - 1 (lda
// apart; as 7-bit halves when split) and of q = u - zero_point (Kp2 apart), and one panel of random
// int8 weights (K = k, zero past K and past `cols`; columns 0 and 1 at the extremes -127 and 127)
// as the byte tile's quads and the 4x8c2 tile's pairs, with each column's zero_point x weight sum
// (the byte tile's column offsets).
struct PanelOperands {
  std::vector<uint8_t> u;
  std::vector<int16_t> q;
  std::vector<int8_t> quads, pairs;
  std::vector<int32_t> offsets;

  PanelOperands(size_t k, size_t cols, int zero_point, int values, bool split, size_t lda)
      : u(kQu8PanelMr * lda, 0), q(kQu8PanelMr * qd8_panel_padded_k(k), 0), offsets(kQd8PanelNr, 0) {
    const size_t kp4 = qu8_panel_padded_k(k), kp2 = qd8_panel_padded_k(k);
    for (size_t r = 0; r < kQu8PanelMr; ++r) {
      for (size_t i = 0; i < k; ++i) {
        const int byte = static_cast<int>((r * 131 + i * 37 + 11) % static_cast<size_t>(values));  // both ends
        if (split) {
          put_halves(u.data() + r * lda, i, byte);
        } else {
          u[r * lda + i] = static_cast<uint8_t>(byte);
        }
        q[r * kp2 + i] = static_cast<int16_t>(byte - zero_point);
      }
    }
    auto w4 = random_int8(kQd8PanelNr * kp4, 3), w2 = std::vector<int8_t>(kQd8PanelNr * kp2, 0);
    for (size_t c = 0; c < kQd8PanelNr; ++c) {
      std::fill(w4.begin() + c * kp4 + k, w4.begin() + (c + 1) * kp4, 0);
      if (c >= cols) std::fill(w4.begin() + c * kp4, w4.begin() + (c + 1) * kp4, 0);  // past N: zero
      if (c == 0) std::fill(w4.begin(), w4.begin() + k, int8_t{-127});              // the extremes
      if (c == 1) std::fill(w4.begin() + kp4, w4.begin() + kp4 + k, int8_t{127});
      for (size_t i = 0; i < k; ++i) {
        w2[c * kp2 + i] = w4[c * kp4 + i];
        offsets[c] += zero_point * w4[c * kp4 + i];
      }
    }
    quads = to_panels(w4, kQd8PanelNr, kp4, kQu8PanelKr);
    pairs = to_panels(w2, kQd8PanelNr, kp2);
  }
};

// The byte tiles: relaxed SIMD's (natively, its deterministic lowering) against the reference bit
// for bit, and both against the 4x8c2 tile on q = u - zero_point bit for bit: the column offsets make
// the sums the same integers, so the two paths of an input give the same outputs. split: the split
// tile on bytes 0..254 as halves (dynamic rows: zero point 127), else the 7-bit tile on 0..127.
class Qu8PanelTileTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, bool, bool, int, bool>> {};

TEST_P(Qu8PanelTileTest, RelaxedMatchesScalarAndTheInt16Tile) {
  const auto [rows, cols, k, with_bias, accumulate, act, split] = GetParam();
  const int zero_point = split ? kQd8ByteZeroPoint : 50, values = split ? 255 : 128;
  const size_t kp4 = qu8_panel_padded_k(k), kp2 = qd8_panel_padded_k(k), lda = (split ? 2 : 1) * kp4 + 8, ldc = 11;
  const PanelOperands operands(k, cols, zero_point, values, split, lda);
  const std::vector<uint8_t>& u = operands.u;
  const std::vector<int16_t>& q = operands.q;
  const auto &panel4 = operands.quads, &panel2 = operands.pairs;
  const std::vector<int32_t>& offsets = operands.offsets;
  const TileEpilogue epilogue(kQu8PanelMr, kQd8PanelNr, with_bias, accumulate, act);
  const Qd8Output& out = epilogue.out;
  const auto c0 = random_vector(kQu8PanelMr * ldc, 7);
  auto int16_tile = c0, scalar = c0, relaxed = c0;
  for (size_t r = 0; r < rows; r += kQd8PanelMr) {  // the 4x8c2 tile takes 4 rows at a time
    Qd8Output part = out;
    part.a_scale += r;
    qd8_f32_qc8w_gemm_4x8c2_scalar(std::min(kQd8PanelMr, rows - r), cols, kp2, q.data() + r * kp2, kp2,
                                   panel2.data(), int16_tile.data() + r * ldc, ldc, part);
  }
  Qd8Output bytes = out;
  bytes.column_offset = offsets.data();
  (split ? qu8_f32_qc8w_gemm_5x8c4_split_scalar : qu8_f32_qc8w_gemm_5x8c4_scalar)(
      rows, cols, kp4, u.data(), lda, panel4.data(), scalar.data(), ldc, bytes);
  EXPECT_EQ(scalar, int16_tile);
#if WT_HAVE_RELAXED_SIMD
  (split ? qu8_f32_qc8w_gemm_5x8c4_split_relaxedsimd : qu8_f32_qc8w_gemm_5x8c4_relaxedsimd)(
      rows, cols, kp4, u.data(), lda, panel4.data(), relaxed.data(), ldc, bytes);
  EXPECT_EQ(relaxed, scalar);
  if (rows == 1) {  // the single-row tiles: K in steps of four quads, then one at a time
    auto single = c0;
    (split ? qu8_f32_qc8w_gemm_1x8c4_split_relaxedsimd : qu8_f32_qc8w_gemm_1x8c4_relaxedsimd)(
        1, cols, kp4, u.data(), lda, panel4.data(), single.data(), ldc, bytes);
    EXPECT_EQ(single, scalar);
  }
#endif
}

INSTANTIATE_TEST_SUITE_P(Shapes, Qu8PanelTileTest,
                         ::testing::Combine(::testing::Values(1, 2, 3, 4, 5), ::testing::Values(1, 3, 4, 5, 8),
                                            ::testing::Values(1, 3, 4, 7, 16, 40, 145), ::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values(0, 1, 2), ::testing::Bool()));

// Requantizing (an int8 region's writer): each panel tile stores the bytes its float outputs
// quantize to (qu8_quantize_to_u8's, bit for bit), only rows x cols of them, and leaves c (read for
// the residual) as it was.
class RequantizingTileTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, bool, int>> {};

TEST_P(RequantizingTileTest, StoresTheFloatOutputsQuantized) {
  const auto [rows, cols, accumulate, act] = GetParam();
  constexpr size_t k = 37, ldc = 11, ld_bytes = 13;
  const size_t kp2 = qd8_panel_padded_k(k), kp4 = qu8_panel_padded_k(k);
  const int zero_point = 40;
  const PanelOperands operands(k, kQd8PanelNr, zero_point, 128, false, kp4);
  const std::vector<uint8_t>& u = operands.u;
  const std::vector<int16_t>& q = operands.q;
  const auto &panel4 = operands.quads, &panel2 = operands.pairs;
  const std::vector<int32_t>& offsets = operands.offsets;
  const TileEpilogue epilogue(kQu8PanelMr, kQd8PanelNr, true, accumulate, act);
  const auto c0 = random_vector(kQu8PanelMr * ldc, 7);
  struct Run {
    const char* name;
    std::function<void(float*, const Qd8Output&)> tile;
  };
  const size_t rows4 = std::min(rows, kQd8PanelMr);
  std::vector<Run> runs = {
      {"4x8c2 reference", [&](float* c, const Qd8Output& out) {
         qd8_f32_qc8w_gemm_4x8c2_scalar(rows4, cols, kp2, q.data(), kp2, panel2.data(), c, ldc, out);
       }},
      {"4x8c2", [&](float* c, const Qd8Output& out) {
         build_kernels().qd8_gemm_4x8c2(rows4, cols, kp2, q.data(), kp2, panel2.data(), c, ldc, out);
       }},
      {"5x8c4 reference", [&](float* c, const Qd8Output& out) {
         Qd8Output with_offsets = out;
         with_offsets.column_offset = offsets.data();
         qu8_f32_qc8w_gemm_5x8c4_scalar(rows, cols, kp4, u.data(), kp4, panel4.data(), c, ldc, with_offsets);
       }}};
#if WT_HAVE_RELAXED_SIMD
  runs.push_back({"5x8c4 relaxed", [&](float* c, const Qd8Output& out) {
                    Qd8Output with_offsets = out;
                    with_offsets.column_offset = offsets.data();
                    qu8_f32_qc8w_gemm_5x8c4_relaxedsimd(rows, cols, kp4, u.data(), kp4, panel4.data(), c, ldc,
                                                        with_offsets);
                  }});
#endif
  // 7 bits, zero point 60, a step that spreads the outputs over the range (both ends clamp some).
  auto first = c0;
  runs[0].tile(first.data(), epilogue.out);
  float largest = 1e-3f;
  for (size_t r = 0; r < rows4; ++r) {
    for (size_t j = 0; j < cols; ++j) largest = std::max(largest, std::fabs(first[r * ldc + j]));
  }
  const Qu8Params params{50.f / largest, -60.f, 67.f};
  for (const Run& run : runs) {
    const size_t run_rows = run.name[0] == '4' ? rows4 : rows;
    auto floats = c0;
    run.tile(floats.data(), epilogue.out);
    auto c = c0;
    std::vector<uint8_t> bytes(kQu8PanelMr * ld_bytes, 0xAA);
    Qd8Output requantizing = epilogue.out;
    requantizing.requantize = &params;
    requantizing.bytes = bytes.data();
    requantizing.ld_bytes = ld_bytes;
    run.tile(c.data(), requantizing);
    EXPECT_EQ(c, c0) << run.name << ": requantizing wrote c";
    size_t inside = 0;
    for (size_t r = 0; r < kQu8PanelMr; ++r) {
      for (size_t j = 0; j < ld_bytes; ++j) {
        const uint8_t got = bytes[r * ld_bytes + j];
        if (r >= run_rows || j >= cols) {
          ASSERT_EQ(got, 0xAA) << run.name << ": wrote outside the tile at row " << r << " col " << j;
          continue;
        }
        ASSERT_EQ(got, qu8_quantize_one(floats[r * ldc + j], params)) << run.name << " row " << r << " col " << j;
        inside += got > 0 && got < 127;
      }
    }
    EXPECT_GT(inside, 0u) << run.name << ": every byte saturated";
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, RequantizingTileTest,
                         ::testing::Combine(::testing::Values(1, 3, 4, 5), ::testing::Values(1, 4, 5, 8), ::testing::Bool(),
                                            ::testing::Values(0, 1, 2)));

#if WT_HAVE_RELAXED_SIMD
TEST(RelaxedInt8Dot, TheDeterministicLoweringIsExact) { EXPECT_TRUE(relaxed_int8_dot_is_exact()); }
#endif

// Winograd's weight transform of int8 panels: the float transform of the panels dequantized (the
// reference bit for bit; SIMD128 within rounding), blocks of panels and channels alike, channels
// past Cout zero.
class Qc8wWinogradWeightsTest : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(Qc8wWinogradWeightsTest, MatchesTheFloatTransformOfTheDequantizedPanels) {
  const auto [cin, cout] = GetParam();
  const size_t k = 9 * cin, kp = qd8_panel_padded_k(k), panels = (cout + 7) / 8;
  auto rows = random_int8(cout * kp, 21);
  for (size_t o = 0; o < cout; ++o) std::fill(rows.begin() + o * kp + k, rows.begin() + (o + 1) * kp, 0);
  const auto q = to_panels(rows, cout, kp);
  const auto scales = random_vector(cout, 22, 0.001f, 0.05f);
  std::vector<float> dequantized(panels * k * 8, 0.f);  // the float transform's panels [panels][9 * cin][8]
  for (size_t o = 0; o < cout; ++o) {
    for (size_t i = 0; i < k; ++i) dequantized[(o / 8 * k + i) * 8 + o % 8] = float(rows[o * kp + i]) * scales[o];
  }
  const Qc8wPanels w{q.data(), scales.data(), cout};
  for (const WinogradWeightsBlock block : {WinogradWeightsBlock{0, panels, 0, cin, winograd_pos_stride(panels * cin * 8)},
                                           WinogradWeightsBlock{panels / 2, panels, cin / 2, cin, 16 * 9 * 8 * 8 + 16}}) {
    const size_t n = kWinogradPositions * block.pos_stride;
    std::vector<float> expected(n, 7.f), scalar(n, 7.f), simd(n, 7.f);
    f32_winograd_f4x4_3x3_weights_panels_scalar(cin, dequantized.data(), expected.data(), block);
    f32_winograd_f4x4_3x3_weights_qc8w_panels_scalar(cin, w, scalar.data(), block);
    build_kernels().winograd_weights_qc8w_panels_nhwc(cin, w, simd.data(), block);
    EXPECT_EQ(scalar, expected);
    for (size_t i = 0; i < n; ++i) ASSERT_NEAR(simd[i], expected[i], 1e-6f * (1 + std::fabs(expected[i]))) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Qc8wWinogradWeightsTest,
                         ::testing::Combine(::testing::Values(1, 3, 8, 17), ::testing::Values(1, 8, 13, 16)));

// The largest sums, every product |a| x 127 over a long row, stay exact in every tile: for the
// dynamic operands (|a| <= 127) and the static ones (|a| <= 255: qu8 with its zero point subtracted).
class Qd8ExtremesTest : public ::testing::TestWithParam<int> {};

TEST_P(Qd8ExtremesTest, SumExactly) {
  const int top = GetParam();
  const size_t kp = 4096;
  std::vector<int16_t> a(kQd8PanelMr * kp, static_cast<int16_t>(top));
  std::fill(a.begin() + kp, a.begin() + 2 * kp, static_cast<int16_t>(-top));  // row 1 negative
  const std::vector<int8_t> w(kQd8PanelNr * kp, 127);  // the same in rows and in panels
  const std::vector<float> scales(kQd8PanelNr, 1.f);
  const Qd8Output out{scales.data(), scales.data()};
  const float big = float(top) * 127.f * float(kp);  // 2^12 times a 15-bit integer: exact in float
  std::vector<float> scalar(8), simd(8), row(8), panel(32);
  qd8_f32_qc8w_gemm_scalar(2, 4, kp, a.data(), kp, w.data(), kp, scalar.data(), 4, out);
  build_kernels().qd8_gemm_2x4(2, 4, kp, a.data(), kp, w.data(), kp, simd.data(), 4, out);
  EXPECT_EQ(simd, scalar);
  EXPECT_EQ(scalar, (std::vector<float>{big, big, big, big, -big, -big, -big, -big}));
  build_kernels().qd8_gemm_1x8(1, 8, kp, a.data(), kp, w.data(), kp, row.data(), 8, out);
  EXPECT_EQ(row, std::vector<float>(8, big));
  build_kernels().qd8_gemm_4x8c2(4, 8, kp, a.data(), kp, w.data(), panel.data(), 8, out);
  for (size_t i = 0; i < panel.size(); ++i) EXPECT_EQ(panel[i], i / 8 == 1 ? -big : big) << i;
}

INSTANTIATE_TEST_SUITE_P(DynamicAndStaticOperands, Qd8ExtremesTest, ::testing::Values(127, 255));

// --- the op through the C ABI --------------------------------------------------------------------
struct LinearCase {
  size_t m, k, n;
  bool bias, residual;
  const char* activation;
};

// static: quantized with a calibrated scale and zero point that clip the inputs' range (-2, 2)
// on both sides (so saturation is exercised); else per row at run time.
// bits: 0 dynamic, 8 or 7 static (7: the references run the byte tiles, 1-3 rows on the single-row
// one), 254: static 8-bit of at most 254 (input_max; the references run the split tiles).
class QuantizedLinearOpTest : public ::testing::TestWithParam<std::tuple<LinearCase, int>> {};

TEST_P(QuantizedLinearOpTest, MatchesQuantizedReference) {
  const auto [c, bits] = GetParam();
  const bool is_static = bits != 0;
  const int top = bits == 7 ? 127 : bits == 254 ? 254 : 255;
  const float input_scale = 3.5f / float(top);
  const int zero_point = top * 140 / 255;
  const size_t kp = qd8_padded_k(c.k);
  const auto x = random_vector(c.m * c.k, 1, -2.f, 2.f);
  auto wq = random_int8(c.n * kp, 2);
  for (size_t j = 0; j < c.n; ++j) std::fill(wq.begin() + j * kp + c.k, wq.begin() + (j + 1) * kp, 0);
  const auto w_scale = random_vector(c.n, 3, 0.001f, 0.05f), bias = random_vector(c.n, 4);
  const auto residual = random_vector(c.m * c.n, 5);

  testing::OneNodeModel model;
  model.op = is_static ? "static_quantized_linear" : "dynamic_quantized_linear";
  model.input_shape = {int64_t(c.m), int64_t(c.k)};
  model.output_shape = {int64_t(c.m), int64_t(c.n)};
  model.constants.push_back({{int64_t(c.n), int64_t(kp)}, {}, wq});
  model.constants.push_back({{int64_t(c.n)}, bias, {}, !c.bias});
  model.constants.push_back({{int64_t(c.m), int64_t(c.n)}, residual, {}, !c.residual});
  model.constants.push_back({{int64_t(c.n)}, w_scale});
  model.attrs = {{"in_features", {int64_t(c.k)}, "", true}, {"activation", {}, c.activation, false}};
  if (is_static) {
    model.attrs.push_back({"input_scale", {}, "", false, input_scale});
    model.attrs.push_back({"input_zero_point", {zero_point}, "", true});
    if (bits == 7) model.attrs.push_back({"input_bits", {7}, "", true});
    if (bits == 254) model.attrs.push_back({"input_max", {254}, "", true});
  }

  // The references carry the byte tiles: 7-bit static, 254-top static and dynamic inputs run them.
  const bool byte_tiles = bits != 8;
  const std::vector<std::vector<float>> outputs = run_one_node(model, x, 2, byte_tiles);
  ASSERT_EQ(outputs.size(), byte_tiles ? 2u : 1u);
  if (outputs.size() == 2 && std::strcmp(c.activation, "gelu") != 0) {
    EXPECT_EQ(outputs[0], outputs[1]) << "the byte tile and the 2x4 tile differ";
  }
  for (const std::vector<float>& y : outputs) {
    for (size_t r = 0; r < c.m; ++r) {
      float x_scale = input_scale;
      std::vector<int16_t> xq(kp, 0);
      if (is_static) {
        for (size_t i = 0; i < c.k; ++i) xq[i] = qu8_ref(x[r * c.k + i], 1.f / input_scale, zero_point, top);
      } else {
        xq = quantize_ref(std::vector<float>(x.begin() + r * c.k, x.begin() + (r + 1) * c.k), kp, &x_scale);
      }
      for (size_t j = 0; j < c.n; ++j) {
        int64_t sum = 0;
        for (size_t i = 0; i < kp; ++i) sum += int64_t{xq[i]} * wq[j * kp + i];
        double v = double(sum) * x_scale * w_scale[j] + (c.bias ? bias[j] : 0.0) +
                   (c.residual ? residual[r * c.n + j] : 0.0);
        if (std::strcmp(c.activation, "relu") == 0) v = std::fmax(v, 0.0);
        if (std::strcmp(c.activation, "gelu") == 0) v = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        ASSERT_NEAR(y[r * c.n + j], v, 1e-5 * (1 + std::fabs(v))) << "row " << r << " col " << j;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, QuantizedLinearOpTest,
                         ::testing::Combine(::testing::Values(LinearCase{1, 5, 1, true, false, "none"},
                                           LinearCase{1, 384, 1536, true, false, "gelu"},
                                           LinearCase{3, 16, 7, false, true, "none"},
                                           LinearCase{5, 70, 33, true, true, "relu"},
                                           LinearCase{64, 100, 9, true, false, "relu"},
                                           LinearCase{2, 17, 4, false, false, "gelu"},
                                           LinearCase{1, 33, 13, true, true, "relu"},
                                           LinearCase{13, 768, 40, true, true, "gelu"}),
                                            ::testing::Values(0, 8, 7, 254)));

// Wrong weights are a load error naming the problem, and the runtime keeps working.
TEST(DynamicQuantizedLinearOp, RejectsInconsistentWeights) {
  struct Bad {
    std::vector<int64_t> w_shape;
    int64_t scales, in_features;
    const char* message;
  };
  for (const Bad& bad : {Bad{{3, 20}, 3, 20, "not [N, K rounded up to 16]"}, Bad{{3, 32}, 2, 20, "one per output"},
                         Bad{{3, 32}, 3, 21, "do not match in_features"}}) {
    testing::OneNodeModel model;
    model.op = "dynamic_quantized_linear";
    model.input_shape = {1, 20};
    model.output_shape = {1, 3};
    model.constants.push_back({bad.w_shape, {}, std::vector<int8_t>(size_t(bad.w_shape[0] * bad.w_shape[1]), 1)});
    model.constants.push_back({{3}, {0, 0, 0}, {}, true});
    model.constants.push_back({{1, 3}, {0, 0, 0}, {}, true});
    model.constants.push_back({{bad.scales}, std::vector<float>(size_t(bad.scales), 1.f)});
    model.attrs = {{"in_features", {bad.in_features}, "", true}};
    wt_runtime* rt = wt_runtime_create(1);
    EXPECT_EQ(load_one_node(rt, model), nullptr);
    EXPECT_NE(std::string(wt_last_error()).find(bad.message), std::string::npos) << wt_last_error();
    wt_runtime_destroy(rt);
  }
}

// --- static_quantized_conv2d through the C ABI ----------------------------------------------------
struct ConvCase {
  size_t batch, h, w, c, out, kh, kw, stride, pad, dilation;
  bool bias, residual;
  const char* activation;
  int threads;
  const char* algorithm = "";  // the node's attribute: "" (the heuristic's), "gemm" or "winograd"
  bool winograd = false;       // the path expected: float Winograd on the dequantized weights
  int bits = 8;                // input_bits: 7 runs the byte tile where the kernel table has it
  size_t groups = 1;
  bool halves = false;         // 8 bits of at most 254 (input_max): the split tile where the table has it
};

std::string conv_case_name(const ::testing::TestParamInfo<ConvCase>& info) {
  const ConvCase& c = info.param;
  return std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.c) +
         "_to" + std::to_string(c.out) + "_k" + std::to_string(c.kh) + std::to_string(c.kw) + "s" +
         std::to_string(c.stride) + "p" + std::to_string(c.pad) + "d" + std::to_string(c.dilation) +
         (c.bias ? "_bias" : "") + (c.residual ? "_residual" : "") + "_" + c.activation + "_t" +
         std::to_string(c.threads) + (c.winograd ? "_winograd" : "") + (*c.algorithm ? "_by_attribute" : "") +
         (c.bits == 7 ? "_7bit" : "") + (c.groups > 1 ? "_groups" + std::to_string(c.groups) : "") +
         (c.halves ? "_halves" : "");
}

class StaticQuantizedConv2dOpTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(StaticQuantizedConv2dOpTest, MatchesQuantizedReference) {
  const ConvCase c = GetParam();
  const size_t group_in = c.c / c.groups, group_out = c.out / c.groups;
  const size_t k = c.kh * c.kw * group_in, kp = qd8_panel_padded_k(k);
  const size_t oh = (c.h + 2 * c.pad - c.dilation * (c.kh - 1) - 1) / c.stride + 1;
  const size_t ow = (c.w + 2 * c.pad - c.dilation * (c.kw - 1) - 1) / c.stride + 1;
  const int top = c.halves ? kQu8HalvesMaxByte : (1 << c.bits) - 1;
  const float input_scale = 3.f / float(top);
  const int zero_point = top * 100 / 255;  // x in (-2, 2) saturates on both sides of [-1.18, 1.82]
  const auto x = random_vector(c.batch * c.h * c.w * c.c, 11, -2.f, 2.f);
  auto wq = random_int8(c.out * kp, 12);
  for (size_t o = 0; o < c.out; ++o) std::fill(wq.begin() + o * kp + k, wq.begin() + (o + 1) * kp, 0);
  const auto w_scale = random_vector(c.out, 13, 0.001f, 0.05f), bias = random_vector(c.out, 14);
  const auto residual = random_vector(c.batch * oh * ow * c.out, 15);

  testing::OneNodeModel model;
  model.op = "static_quantized_conv2d";
  model.input_shape = {int64_t(c.batch), int64_t(c.h), int64_t(c.w), int64_t(c.c)};
  model.output_shape = {int64_t(c.batch), int64_t(oh), int64_t(ow), int64_t(c.out)};
  // Each group's output channels as panels of their own, one group after another.
  const size_t group_panels = (group_out + kQd8PanelNr - 1) / kQd8PanelNr;
  std::vector<int8_t> panels;
  for (size_t group = 0; group < c.groups; ++group) {
    const std::vector<int8_t> rows(wq.begin() + group * group_out * kp, wq.begin() + (group + 1) * group_out * kp);
    const std::vector<int8_t> part = to_panels(rows, group_out, kp);
    panels.insert(panels.end(), part.begin(), part.end());
  }
  model.constants.push_back({{int64_t(c.groups * group_panels), int64_t(kp / 2), 8, 2}, {}, panels});
  model.constants.push_back({{int64_t(c.out)}, bias, {}, !c.bias});
  model.constants.push_back({model.output_shape, residual, {}, !c.residual});
  model.constants.push_back({{int64_t(c.out)}, w_scale});
  const auto i64 = [](size_t v) { return int64_t(v); };
  model.attrs = {{"layout", {}, "nhwc"},
                 {"stride", {i64(c.stride), i64(c.stride)}},
                 {"padding", {i64(c.pad), i64(c.pad)}},
                 {"dilation", {i64(c.dilation), i64(c.dilation)}},
                 {"kernel_size", {i64(c.kh), i64(c.kw)}},
                 {"out_channels", {i64(c.out)}, "", true},
                 {"groups", {i64(c.groups)}, "", true},
                 {"activation", {}, c.activation},
                 {"input_scale", {}, "", false, input_scale},
                 {"input_zero_point", {zero_point}, "", true}};
  if (*c.algorithm) model.attrs.push_back({"algorithm", {}, c.algorithm});
  if (c.bits != 8) model.attrs.push_back({"input_bits", {c.bits}, "", true});
  if (c.halves) model.attrs.push_back({"input_max", {kQu8HalvesMaxByte}, "", true});

  // This build's kernels; for 7 bits (and 8 of at most 254) also the references, which run the byte
  // tile (the split tile) where natively the build's table has none: the same outputs, except
  // that with the byte tile a 3x3 convolution Winograd would take runs the int8 GEMM.
  const bool references = c.bits == 7 || c.halves;
  const std::vector<std::vector<float>> outputs = run_one_node(model, x, c.threads, references);
  ASSERT_EQ(outputs.size(), references ? 2u : 1u);
  // (GELU is a float kernel of its own: the references round it otherwise.)
  if (outputs.size() == 2 && !c.winograd && std::strcmp(c.activation, "gelu") != 0) {
    EXPECT_EQ(outputs[0], outputs[1]) << "the byte tile (or the split tile) and the 4x8c2 tile differ";
  }
  for (size_t run = 0; run < outputs.size(); ++run) {
    const float* y = outputs[run].data();
    // Run 1: the byte tile, which takes 3x3 layers from Winograd (the split tile leaves them there).
    const bool winograd = c.winograd && !(run == 1 && *c.algorithm == '\0' && !c.halves);
    for (size_t n = 0; n < c.batch; ++n) {
      for (size_t oy = 0; oy < oh; ++oy) {
        for (size_t ox = 0; ox < ow; ++ox) {
          const size_t pixel = (n * oh + oy) * ow + ox;
          for (size_t o = 0; o < c.out; ++o) {
            int64_t sum = 0;
            double float_sum = 0;
            for (size_t ky = 0; ky < c.kh; ++ky) {
              for (size_t kx = 0; kx < c.kw; ++kx) {
                const auto iy = int64_t(oy * c.stride + ky * c.dilation) - int64_t(c.pad);
                const auto ix = int64_t(ox * c.stride + kx * c.dilation) - int64_t(c.pad);
                if (iy < 0 || ix < 0 || iy >= int64_t(c.h) || ix >= int64_t(c.w)) continue;
                for (size_t ch = 0; ch < group_in; ++ch) {
                  const float v = x[((n * c.h + size_t(iy)) * c.w + size_t(ix)) * c.c + o / group_out * group_in + ch];
                  const int8_t weight = wq[o * kp + (ky * c.kw + kx) * group_in + ch];
                  sum += int64_t{qu8_ref(v, 1.f / input_scale, zero_point, top)} * weight;
                  float_sum += double(v) * weight;
                }
              }
            }
            // Winograd computes in float: x itself against the dequantized weights.
            double v = (winograd ? float_sum * w_scale[o] : double(sum) * input_scale * w_scale[o]) +
                       (c.bias ? bias[o] : 0.0) + (c.residual ? residual[pixel * c.out + o] : 0.0);
            if (std::strcmp(c.activation, "relu") == 0) v = std::fmax(v, 0.0);
            if (std::strcmp(c.activation, "gelu") == 0) v = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
            const double tolerance = winograd ? 1e-4 : 1e-5;  // Winograd's transforms round (f32_winograd.h)
            ASSERT_NEAR(y[pixel * c.out + o], v, tolerance * (1 + std::fabs(v)))
                << "run " << run << " pixel " << pixel << " channel " << o;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StaticQuantizedConv2dOpTest,
    ::testing::Values(
        // 1x1 over an even channel count: rows read in place; over 3 channels: gathered and padded.
        ConvCase{1, 5, 6, 32, 20, 1, 1, 1, 0, 1, true, false, "relu", 2},
        ConvCase{2, 4, 3, 3, 5, 1, 1, 1, 0, 1, false, true, "none", 1},
        // 3x3 with padding, stride 2, dilation; a ResNet stem (7x7 stride 2 over 3 channels).
        ConvCase{1, 9, 7, 16, 33, 3, 3, 1, 1, 1, true, true, "relu", 2},
        ConvCase{2, 11, 10, 8, 12, 3, 3, 2, 1, 1, true, false, "gelu", 2},
        ConvCase{1, 12, 12, 5, 7, 3, 3, 1, 2, 2, false, false, "none", 1},
        ConvCase{1, 23, 21, 3, 16, 7, 7, 2, 3, 1, true, false, "relu", 2},
        // 3x3 over 512 channels at 3x3 outputs: K 4608 limits a task's pixels, the columns are split.
        ConvCase{1, 3, 3, 512, 40, 3, 3, 1, 1, 1, true, true, "relu", 2},
        // Strided 1x1 (a ResNet downsample) and more pixels than a block.
        ConvCase{1, 20, 20, 16, 8, 1, 1, 2, 0, 1, true, false, "none", 2},
        ConvCase{1, 17, 16, 16, 4, 1, 1, 1, 0, 1, false, false, "none", 1},
        ConvCase{1, 9, 9, 24, 13, 1, 1, 1, 0, 1, true, true, "relu", 2},
        // 3x3 stride 1 with 16 output tiles: Winograd in float on the dequantized weights, unless
        // the attribute asks for the int8 GEMM; 13 channels leave a partial panel.
        ConvCase{1, 16, 15, 8, 13, 3, 3, 1, 1, 1, true, true, "relu", 2, "", true},
        ConvCase{2, 17, 16, 9, 16, 3, 3, 1, 1, 1, false, false, "gelu", 1, "winograd", true},
        ConvCase{1, 16, 15, 8, 13, 3, 3, 1, 1, 1, true, true, "relu", 2, "gemm", false},
        // 7-bit inputs: 1x1 over 32 channels in place (a multiple of the byte tile's 4) and over 3
        // or 6 gathered; padding (what 0.0 quantizes to is the zero point), stride, dilation, a
        // stem, a deep K with split columns, a partial panel.
        ConvCase{1, 5, 6, 32, 20, 1, 1, 1, 0, 1, true, false, "relu", 2, "", false, 7},
        ConvCase{2, 4, 3, 3, 5, 1, 1, 1, 0, 1, false, true, "none", 1, "", false, 7},
        ConvCase{1, 7, 5, 6, 9, 1, 1, 1, 0, 1, true, false, "none", 2, "", false, 7},
        ConvCase{1, 9, 7, 16, 33, 3, 3, 1, 1, 1, true, true, "relu", 2, "gemm", false, 7},
        ConvCase{2, 11, 10, 8, 12, 3, 3, 2, 1, 1, true, false, "gelu", 2, "", false, 7},
        ConvCase{1, 12, 12, 5, 7, 3, 3, 1, 2, 2, false, false, "none", 1, "gemm", false, 7},
        ConvCase{1, 23, 21, 3, 16, 7, 7, 2, 3, 1, true, false, "relu", 2, "", false, 7},
        ConvCase{1, 3, 3, 512, 40, 3, 3, 1, 1, 1, true, true, "relu", 2, "", false, 7},
        ConvCase{1, 16, 15, 8, 13, 3, 3, 1, 1, 1, true, true, "relu", 2, "", true, 7},
        // Grouped (ResNeXt's 4 and 8 channels a group, RegNet's 8, a partial panel a group, a
        // residual), on both tiles; 3x3 stride 1 runs the int8 GEMM, Winograd takes one group.
        ConvCase{1, 9, 8, 16, 16, 3, 3, 1, 1, 1, true, true, "relu", 2, "", false, 7, 4},
        ConvCase{1, 9, 8, 16, 16, 3, 3, 1, 1, 1, true, true, "relu", 2, "", false, 8, 4},
        ConvCase{2, 10, 9, 64, 64, 3, 3, 2, 1, 1, true, false, "none", 2, "", false, 7, 8},
        ConvCase{1, 7, 7, 24, 36, 3, 3, 1, 1, 1, false, false, "gelu", 1, "", false, 7, 3},
        ConvCase{1, 6, 6, 32, 32, 1, 1, 1, 0, 1, true, true, "relu", 2, "", false, 8, 2},
        // 8-bit inputs of at most 254 on the split tile: 1x1 in place and gathered, 3x3 with padding
        // and at stride 2, a stem, a deep K with split columns, grouped, and a 3x3 Winograd keeps.
        ConvCase{1, 5, 6, 32, 20, 1, 1, 1, 0, 1, true, false, "relu", 2, "", false, 8, 1, true},
        ConvCase{2, 4, 3, 3, 5, 1, 1, 1, 0, 1, false, true, "none", 1, "", false, 8, 1, true},
        ConvCase{1, 9, 7, 16, 33, 3, 3, 1, 1, 1, true, true, "relu", 2, "gemm", false, 8, 1, true},
        ConvCase{2, 11, 10, 8, 12, 3, 3, 2, 1, 1, true, false, "gelu", 2, "", false, 8, 1, true},
        ConvCase{1, 23, 21, 3, 16, 7, 7, 2, 3, 1, true, false, "relu", 2, "", false, 8, 1, true},
        ConvCase{1, 3, 3, 512, 40, 3, 3, 1, 1, 1, true, true, "relu", 2, "", false, 8, 1, true},
        ConvCase{2, 10, 9, 64, 64, 3, 3, 2, 1, 1, true, false, "none", 2, "", false, 8, 8, true},
        ConvCase{1, 16, 15, 8, 13, 3, 3, 1, 1, 1, true, true, "relu", 2, "", true, 8, 1, true}),
    conv_case_name);

// --- static_quantized_depthwise_conv2d through the C ABI ------------------------------------------
struct DwOpCase {
  size_t h, w, c, k, stride, pad;
  int bits;
  const char* activation;
  int threads;
};

std::string dw_case_name(const ::testing::TestParamInfo<DwOpCase>& info) {
  const DwOpCase& c = info.param;
  return std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.c) + "_k" + std::to_string(c.k) +
         "s" + std::to_string(c.stride) + "p" + std::to_string(c.pad) + "_" + std::to_string(c.bits) + "bit_" +
         c.activation + "_t" + std::to_string(c.threads);
}

class StaticQuantizedDwConv2dOpTest : public ::testing::TestWithParam<DwOpCase> {};

// The build's table (natively SIMD128: no int8 dot) runs the float kernel on the dequantized
// weights; the references run the int8 kernel for 7-bit inputs at stride 1 (the quantized sums) and
// the float kernel otherwise.
TEST_P(StaticQuantizedDwConv2dOpTest, MatchesQuantizedOrFloatReference) {
  const DwOpCase c = GetParam();
  const size_t oh = (c.h + 2 * c.pad - c.k) / c.stride + 1, ow = (c.w + 2 * c.pad - c.k) / c.stride + 1;
  const int top = (1 << c.bits) - 1;
  const float input_scale = 3.f / float(top);
  const int zero_point = top * 100 / 255;
  const auto x = random_vector(c.h * c.w * c.c, 21, -2.f, 2.f);
  const auto wq = random_int8(c.k * c.k * c.c, 22);
  const auto w_scale = random_vector(c.c, 23, 0.001f, 0.05f), bias = random_vector(c.c, 24);
  testing::OneNodeModel model;
  model.op = "static_quantized_depthwise_conv2d";
  model.input_shape = {1, int64_t(c.h), int64_t(c.w), int64_t(c.c)};
  model.output_shape = {1, int64_t(oh), int64_t(ow), int64_t(c.c)};
  model.constants.push_back({{int64_t(c.k * c.k), int64_t(c.c)}, {}, wq});
  model.constants.push_back({{int64_t(c.c)}, bias});
  model.constants.push_back({model.output_shape, {}, {}, true});  // no residual
  model.constants.push_back({{int64_t(c.c)}, w_scale});
  const auto i64 = [](size_t v) { return int64_t(v); };
  model.attrs = {{"layout", {}, "nhwc"},
                 {"stride", {i64(c.stride), i64(c.stride)}},
                 {"padding", {i64(c.pad), i64(c.pad)}},
                 {"dilation", {1, 1}},
                 {"groups", {i64(c.c)}, "", true},
                 {"kernel_size", {i64(c.k), i64(c.k)}},
                 {"activation", {}, c.activation},
                 {"input_scale", {}, "", false, input_scale},
                 {"input_zero_point", {zero_point}, "", true}};
  if (c.bits != 8) model.attrs.push_back({"input_bits", {c.bits}, "", true});
  const std::vector<std::vector<float>> outputs = run_one_node(model, x, c.threads, true);
  ASSERT_EQ(outputs.size(), 2u);
  for (size_t run = 0; run < 2; ++run) {
    const bool int8 = run == 1 && c.bits == 7 && c.stride == 1;
    for (size_t oy = 0; oy < oh; ++oy) {
      for (size_t ox = 0; ox < ow; ++ox) {
        for (size_t ch = 0; ch < c.c; ++ch) {
          int64_t sum = 0;
          double float_sum = 0;
          for (size_t ky = 0; ky < c.k; ++ky) {
            for (size_t kx = 0; kx < c.k; ++kx) {
              const auto iy = int64_t(oy * c.stride + ky) - int64_t(c.pad);
              const auto ix = int64_t(ox * c.stride + kx) - int64_t(c.pad);
              if (iy < 0 || ix < 0 || iy >= int64_t(c.h) || ix >= int64_t(c.w)) continue;
              const float v = x[(size_t(iy) * c.w + size_t(ix)) * c.c + ch];
              const int8_t weight = wq[(ky * c.k + kx) * c.c + ch];
              sum += int64_t{qu8_ref(v, 1.f / input_scale, zero_point, top)} * weight;
              float_sum += double(v) * double(float(weight) * w_scale[ch]);
            }
          }
          double v = (int8 ? double(sum) * input_scale * w_scale[ch] : float_sum) + bias[ch];
          if (std::strcmp(c.activation, "relu") == 0) v = std::fmax(v, 0.0);
          if (std::strcmp(c.activation, "gelu") == 0) v = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
          ASSERT_NEAR(outputs[run][(oy * ow + ox) * c.c + ch], v, 1e-5 * (1 + std::fabs(v)))
              << "run " << run << " pixel " << oy << "," << ox << " channel " << ch;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StaticQuantizedDwConv2dOpTest,
    ::testing::Values(DwOpCase{7, 9, 24, 3, 1, 1, 7, "relu", 2}, DwOpCase{6, 5, 17, 5, 1, 2, 7, "none", 1},
                      DwOpCase{9, 8, 16, 3, 2, 1, 7, "relu", 2}, DwOpCase{7, 9, 24, 3, 1, 1, 8, "none", 2},
                      DwOpCase{4, 4, 40, 3, 1, 0, 7, "gelu", 1}),
    dw_case_name);

// Inconsistent depthwise nodes are load errors naming the problem.
TEST(StaticQuantizedOps, RejectInconsistentDepthwiseNodes) {
  struct Bad {
    const char* what;
    std::vector<int64_t> w_shape;
    int64_t scales, groups;
    bool residual;
    const char* message;
  };
  const std::vector<Bad> cases = {{"weight", {8, 4}, 4, 4, false, "is not [kh*kw = 9, C = 4]"},
                                  {"scales", {9, 4}, 3, 4, false, "not one per channel"},
                                  {"groups", {9, 4}, 4, 2, false, "groups (2) must equal the input's channels (4)"},
                                  {"residual", {9, 4}, 4, 4, true, "takes no residual"}};
  wt_runtime* rt = wt_runtime_create(1);
  for (const Bad& bad : cases) {
    testing::OneNodeModel model;
    model.op = "static_quantized_depthwise_conv2d";
    model.input_shape = {1, 4, 4, 4};
    model.output_shape = {1, 4, 4, 4};
    model.constants.push_back({bad.w_shape, {}, std::vector<int8_t>(size_t(bad.w_shape[0] * bad.w_shape[1]), 1)});
    model.constants.push_back({{4}, {}, {}, true});
    model.constants.push_back({{1, 4, 4, 4}, std::vector<float>(64, 0.f), {}, !bad.residual});
    model.constants.push_back({{bad.scales}, std::vector<float>(size_t(bad.scales), 1.f)});
    model.attrs = {{"layout", {}, "nhwc"},         {"stride", {1, 1}},       {"padding", {1, 1}},
                   {"dilation", {1, 1}},           {"groups", {bad.groups}, "", true},
                   {"kernel_size", {3, 3}},        {"input_scale", {}, "", false, 0.1},
                   {"input_zero_point", {0}, "", true}};
    EXPECT_EQ(load_one_node(rt, model), nullptr) << bad.what;
    EXPECT_NE(std::string(wt_last_error()).find(bad.message), std::string::npos) << bad.what << ": " << wt_last_error();
  }
  wt_runtime_destroy(rt);
}

// Inconsistent nodes are load errors naming the problem; the runtime keeps working.
TEST(StaticQuantizedOps, RejectInconsistentNodes) {
  struct Bad {
    const char* what;
    std::vector<int64_t> w_shape;
    int64_t scales;
    double input_scale;
    int64_t zero_point, groups;
    const char* layout;
    const char* message;
  };
  const std::vector<Bad> cases = {
      {"weight", {1, 16, 8, 2}, 4, 0.1, 0, 1, "nhwc", "is not the panels"},
      {"scales", {1, 18, 8, 2}, 3, 0.1, 0, 1, "nhwc", "one per output channel"},
      {"scale", {1, 18, 8, 2}, 4, 0.0, 0, 1, "nhwc", "input_scale must be a positive"},
      {"inf scale", {1, 18, 8, 2}, 4, 1e-300, 0, 1, "nhwc", "input_scale must be a positive"},
      {"zero point", {1, 18, 8, 2}, 4, 0.1, 256, 1, "nhwc", "input_zero_point must be in [0, 255]"},
      {"7-bit zero point", {1, 18, 8, 2}, 4, 0.1, 128, 1, "nhwc", "must be in [0, 127] for 7-bit values"},
      {"max", {1, 18, 8, 2}, 4, 0.1, 0, 1, "nhwc", "input_max must be in [1, 255] for 8-bit values, got 256"},
      {"zero point past max", {1, 18, 8, 2}, 4, 0.1, 201, 1, "nhwc", "input_zero_point must be in [0, 200]"},
      {"bits", {1, 18, 8, 2}, 4, 0.1, 0, 1, "nhwc", "input_bits must be 7 or 8, got 6"},
      {"groups", {1, 18, 8, 2}, 4, 0.1, 0, 3, "nhwc", "groups=3 does not divide"},
      {"grouped weight", {1, 18, 8, 2}, 4, 0.1, 0, 2, "nhwc", "is not the panels [groups 2 x"},
      {"layout", {1, 18, 8, 2}, 4, 0.1, 0, 1, "nchw", "runs NHWC only"},
      {"algorithm", {1, 18, 8, 2}, 4, 0.1, 0, 1, "nhwc", "algorithm must be 'gemm' or 'winograd'"},
      {"winograd", {1, 18, 8, 2}, 4, 0.1, 0, 1, "nhwc", "'winograd' needs a 3x3 kernel, stride 1"}};
  wt_runtime* rt = wt_runtime_create(1);
  for (const Bad& bad : cases) {
    testing::OneNodeModel model;
    model.op = "static_quantized_conv2d";
    model.input_shape = {1, 4, 4, 4};
    model.output_shape = {1, 4, 4, 4};
    model.constants.push_back({bad.w_shape, {}, std::vector<int8_t>(size_t(bad.w_shape[1] * 16), 1)});
    model.constants.push_back({{4}, {}, {}, true});
    model.constants.push_back({{1, 4, 4, 4}, {}, {}, true});
    model.constants.push_back({{bad.scales}, std::vector<float>(size_t(bad.scales), 1.f)});
    model.attrs = {{"layout", {}, bad.layout},         {"stride", {1, 1}},
                   {"padding", {1, 1}},                {"dilation", {1, 1}},
                   {"groups", {bad.groups}, "", true}, {"kernel_size", {3, 3}},
                   {"out_channels", {4}, "", true},    {"input_scale", {}, "", false, bad.input_scale},
                   {"input_zero_point", {bad.zero_point}, "", true}};
    if (std::strcmp(bad.what, "algorithm") == 0) model.attrs.push_back({"algorithm", {}, "direct"});
    if (std::strcmp(bad.what, "7-bit zero point") == 0) model.attrs.push_back({"input_bits", {7}, "", true});
    if (std::strcmp(bad.what, "bits") == 0) model.attrs.push_back({"input_bits", {6}, "", true});
    if (std::strcmp(bad.what, "max") == 0) model.attrs.push_back({"input_max", {256}, "", true});
    if (std::strcmp(bad.what, "zero point past max") == 0) model.attrs.push_back({"input_max", {200}, "", true});
    if (std::strcmp(bad.what, "winograd") == 0) {
      model.attrs.push_back({"algorithm", {}, "winograd"});
      model.attrs[1].ints = {2, 2};  // stride 2
      model.output_shape = {1, 2, 2, 4};
    }
    EXPECT_EQ(load_one_node(rt, model), nullptr) << bad.what;
    EXPECT_NE(std::string(wt_last_error()).find(bad.message), std::string::npos) << bad.what << ": " << wt_last_error();
  }
  // The linear's static attributes are checked alike.
  testing::OneNodeModel linear;
  linear.op = "static_quantized_linear";
  linear.input_shape = {1, 20};
  linear.output_shape = {1, 3};
  linear.constants.push_back({{3, 32}, {}, std::vector<int8_t>(96, 1)});
  linear.constants.push_back({{3}, {}, {}, true});
  linear.constants.push_back({{1, 3}, {}, {}, true});
  linear.constants.push_back({{3}, std::vector<float>(3, 1.f)});
  linear.attrs = {{"in_features", {20}, "", true}, {"input_scale", {}, "", false, -1.0}, {"input_zero_point", {0}, "", true}};
  EXPECT_EQ(load_one_node(rt, linear), nullptr);
  EXPECT_NE(std::string(wt_last_error()).find("input_scale must be a positive"), std::string::npos) << wt_last_error();
  wt_runtime_destroy(rt);
}

}  // namespace
}  // namespace wt
