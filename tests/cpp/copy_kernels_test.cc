// Strided copies, transposes, the two-row zip (and the interleave op on it), strided index spaces and dtype
// conversion.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>
#include <vector>

#include "kernels/convert.h"
#include "kernels/copy_strided.h"
#include "kernels/kernel_table.h"
#include "kernels/strided_space.h"
#include "kernels/x32_zip.h"
#include "one_node_runner.h"
#include "reference_kernels.h"

namespace wt {
namespace {

using testing::random_vector;

class CopyStridedTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t>> {};

// Transposes a [r, c] matrix read from a padded [rows, pitch] buffer, in split ranges.
TEST_P(CopyStridedTest, TransposeOfAPaddedMatrixMatchesIndexWalk) {
  const auto [rows, cols, pad] = GetParam();
  const size_t pitch = cols + pad;
  auto x = random_vector(rows * pitch + 1, 15);
  StridedSpace src;
  src.rank = 2;
  src.size[0] = cols, src.stride[0] = 1;
  src.size[1] = rows, src.stride[1] = pitch;
  std::vector<float> y(rows * cols, -1.f);
  const auto* in = reinterpret_cast<const uint8_t*>(x.data());
  auto* out = reinterpret_cast<uint8_t*>(y.data());
  copy_strided_scalar(src, 1, sizeof(float), in, out, 0, y.size() / 3);
  copy_strided_scalar(src, 1, sizeof(float), in, out, y.size() / 3, y.size());
  for (size_t c = 0; c < cols; ++c)
    for (size_t r = 0; r < rows; ++r) ASSERT_EQ(y[c * rows + r], x[1 + r * pitch + c]) << r << "," << c;
}

INSTANTIATE_TEST_SUITE_P(Shapes, CopyStridedTest,
                         ::testing::Combine(::testing::Values(1, 3, 8), ::testing::Values(1, 5, 16),
                                            ::testing::Values(0, 3)));

// y[b][j][i] = x[b][i][j] for every element size, over output-row ranges that cut tiles and images.
class TransposeTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t>> {};

TEST_P(TransposeTest, MatchesIndexWalk) {
  const auto [rows, cols, element_size] = GetParam();
  const size_t batch = 2, bytes = batch * rows * cols * element_size;
  std::vector<uint8_t> x(bytes), y(bytes + 1, 0xEE);
  for (size_t i = 0; i < bytes; ++i) x[i] = static_cast<uint8_t>(i * 7 + i / 251);
  const size_t split = batch * cols / 3 + 1;
  transpose_scalar(rows, cols, element_size, x.data(), y.data(), 0, split);
  transpose_scalar(rows, cols, element_size, x.data(), y.data(), split, batch * cols);
  ASSERT_EQ(y[bytes], 0xEE);
  for (size_t b = 0; b < batch; ++b)
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j)
        ASSERT_EQ(0, std::memcmp(&y[((b * cols + j) * rows + i) * element_size],
                                 &x[((b * rows + i) * cols + j) * element_size], element_size))
            << b << "," << i << "," << j;
}

INSTANTIATE_TEST_SUITE_P(Shapes, TransposeTest,
                         ::testing::Combine(::testing::Values(1, 3, 17, 40), ::testing::Values(1, 2, 16, 33),
                                            ::testing::Values(1, 2, 4, 8)));

// y[b][2j + i] = x_i[b][j]: the reference against the index walk, this build's kernel (SIMD128
// where it has one) against the reference, over batch ranges split unevenly and every tail length;
// the two rows from two arrays whose rows are wider than cols (columns 2.. of each), and output
// rows wider than 2 cols, whose gaps stay untouched.
class Zip2Test : public ::testing::TestWithParam<size_t> {};

TEST_P(Zip2Test, MatchesIndexWalkAndTheReference) {
  const size_t cols = GetParam(), batch = 5, x_stride = cols + 3, y_stride = 2 * cols + 5, n = batch * y_stride;
  std::vector<uint32_t> first(batch * x_stride), second(batch * x_stride);
  for (size_t i = 0; i < first.size(); ++i) {
    first[i] = static_cast<uint32_t>(i * 2654435761u);
    second[i] = static_cast<uint32_t>(i * 40503u + 7);
  }
  std::vector<uint32_t> reference(n, 0xEEEEEEEE), built(n, 0xEEEEEEEE);
  const X32Zip2Rows to_reference{first.data() + 2, second.data() + 2, x_stride, reference.data(), y_stride};
  const X32Zip2Rows to_built{first.data() + 2, second.data() + 2, x_stride, built.data(), y_stride};
  x32_zip2_scalar(cols, to_reference, 0, 2);
  x32_zip2_scalar(cols, to_reference, 2, batch);
  build_kernels().zip2(cols, to_built, 0, 3);
  build_kernels().zip2(cols, to_built, 3, batch);
  for (size_t b = 0; b < batch; ++b) {
    for (size_t j = 0; j < cols; ++j) {
      ASSERT_EQ(reference[b * y_stride + 2 * j], first[b * x_stride + 2 + j]) << b << "," << j;
      ASSERT_EQ(reference[b * y_stride + 2 * j + 1], second[b * x_stride + 2 + j]) << b << "," << j;
    }
    for (size_t j = 2 * cols; j < y_stride; ++j) ASSERT_EQ(reference[b * y_stride + j], 0xEEEEEEEE) << "gap " << b;
  }
  EXPECT_EQ(built, reference) << build_kernels().isa;
}

INSTANTIATE_TEST_SUITE_P(Columns, Zip2Test, ::testing::Values(1, 2, 3, 4, 5, 7, 8, 9, 58, 116, 117));

// y[b][3j + i] = x[b][i][j], over output pixel ranges that split images and end mid-vector.
class Zip3Test : public ::testing::TestWithParam<size_t> {};

TEST_P(Zip3Test, MatchesIndexWalkAndTheReference) {
  const size_t cols = GetParam(), batch = 3, n = batch * 3 * cols, pixels = batch * cols;
  std::vector<uint32_t> x(n), reference(n + 1, 0xEEEEEEEE), built(n + 1, 0xEEEEEEEE);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<uint32_t>(i * 2654435761u);
  const size_t split = pixels / 3 + 1;  // inside the first image for most widths
  x32_zip3_scalar(cols, x.data(), reference.data(), 0, split);
  x32_zip3_scalar(cols, x.data(), reference.data(), split, pixels);
  build_kernels().zip3(cols, x.data(), built.data(), 0, pixels - split);
  build_kernels().zip3(cols, x.data(), built.data(), pixels - split, pixels);
  ASSERT_EQ(reference[n], 0xEEEEEEEE);
  ASSERT_EQ(built[n], 0xEEEEEEEE);
  for (size_t b = 0; b < batch; ++b)
    for (size_t i = 0; i < 3; ++i)
      for (size_t j = 0; j < cols; ++j)
        ASSERT_EQ(reference[b * 3 * cols + 3 * j + i], x[(b * 3 + i) * cols + j]) << b << "," << i << "," << j;
  EXPECT_EQ(built, reference) << build_kernels().isa;
}

INSTANTIATE_TEST_SUITE_P(Columns, Zip3Test, ::testing::Values(1, 2, 3, 4, 5, 7, 8, 9, 13, 64, 117));

// The interleave op through the C ABI at 1 and 2 threads, with this build's kernels and the
// references: y[..., 2j + i] = (x, w)_i[..., j] (its chunked form, several outputs, is tested
// from Python: tests/python/test_optimize.py); and its load errors.
TEST(InterleaveOpTest, InterleavesTheLastDims) {
  const std::vector<int64_t> shape = {2, 3, 5};
  testing::OneNodeModel m;
  m.op = "interleave";
  m.input_shape = shape;
  m.output_shape = {2, 3, 10};
  const std::vector<float> x = testing::random_vector(30, 1), w = testing::random_vector(30, 2);
  m.constants.push_back({shape, w});
  for (const int threads : {1, 2}) {
    for (const std::vector<float>& y : testing::run_one_node(m, x, threads, true)) {
      ASSERT_EQ(y.size(), 60u);
      for (size_t r = 0; r < 6; ++r)
        for (size_t j = 0; j < 5; ++j) {
          ASSERT_EQ(y[r * 10 + 2 * j], x[r * 5 + j]) << r << "," << j;
          ASSERT_EQ(y[r * 10 + 2 * j + 1], w[r * 5 + j]) << r << "," << j;
        }
    }
  }
  testing::OneNodeModel empty = m;  // a last dim of 0: nothing to interleave
  empty.input_shape = empty.constants[0].shape = {2, 3, 0};
  empty.constants[0].data.clear();
  empty.output_shape = {2, 3, 0};
  EXPECT_EQ(testing::run_one_node(empty, {}, 2, false).size(), 1u);
  struct Bad {
    std::vector<int64_t> w_shape;
    int64_t chunks;
    const char* message;
  };
  for (const Bad& bad : {Bad{{2, 3, 5}, 2, "chunks 2 is not the node's 1 outputs"},
                         Bad{{2, 3, 5}, 0, "chunks 0 is not the node's 1 outputs"},
                         Bad{{2, 3, 5}, int64_t{1} << 62, "is not the node's 1 outputs"},
                         Bad{{2, 5, 3}, 1, "input shapes [2, 3, 5] and [2, 5, 3] differ"}}) {
    testing::OneNodeModel b = m;
    b.constants = {{bad.w_shape, w}};
    b.attrs = {{"chunks", {bad.chunks}, "", true}};
    wt_runtime* rt = wt_runtime_create(1);
    EXPECT_EQ(testing::load_one_node(rt, b), nullptr);
    EXPECT_NE(std::string(wt_last_error()).find(bad.message), std::string::npos) << wt_last_error();
    wt_runtime_destroy(rt);
  }
}

TEST(StridedSpaceTest, CoalescedWalksTheSameOffsets) {
  StridedSpace s;  // [2, 1, 3, 4] over a [2, 3, 5] buffer's first 4 columns, a size-1 dim between
  s.rank = 4;
  const size_t sizes[] = {2, 1, 3, 4}, strides[] = {15, 99, 5, 1};
  for (int i = 0; i < 4; ++i) s.size[i] = sizes[i], s.stride[i] = strides[i];
  const StridedSpace c = s.coalesced();
  EXPECT_EQ(c.rank, 2);  // [6, 4]: rows 5 apart continue the images 15 apart
  for (size_t i = 0; i < s.count(); ++i) ASSERT_EQ(c.offset(i), s.offset(i)) << i;
}

TEST(ConvertTest, FollowsTorchRules) {
  const float f[5] = {-1.7f, -0.2f, 0.f, 0.5f, 2.9f};
  int64_t i64[5];
  bool b[5];
  convert_scalar(DType::kFloat32, DType::kInt64, f, i64, 0, 5);
  EXPECT_EQ(std::vector<int64_t>(i64, i64 + 5), (std::vector<int64_t>{-1, 0, 0, 0, 2}));  // truncation
  convert_scalar(DType::kFloat32, DType::kBool, f, b, 0, 5);
  EXPECT_EQ(std::vector<bool>(b, b + 5), (std::vector<bool>{true, true, false, true, true}));
  float back[5];
  convert_scalar(DType::kInt64, DType::kFloat32, i64, back, 0, 5);
  EXPECT_EQ(back[4], 2.f);
}

TEST(CopyStridedTest, NegativeStridesThroughWrapAroundReverseARow) {
  // flip: base at the last element, stride -1 as its unsigned two's complement.
  const float x[5] = {1, 2, 3, 4, 5};
  float y[5];
  StridedSpace src;
  src.rank = 1;
  src.size[0] = 5;
  src.stride[0] = static_cast<size_t>(0) - 1;
  copy_strided_scalar(src, 4, sizeof(float), reinterpret_cast<const uint8_t*>(x), reinterpret_cast<uint8_t*>(y), 0, 5);
  EXPECT_EQ(std::vector<float>(y, y + 5), (std::vector<float>{5, 4, 3, 2, 1}));
}

}  // namespace
}  // namespace wt
