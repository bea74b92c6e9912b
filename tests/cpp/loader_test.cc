// The loader treats every file as hostile: each corruption gives an error naming the problem,
// and the same runtime loads and runs a good model afterwards.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "api/wasm_torch.h"
#include "model_builder.h"

namespace wt {
namespace {

using testing::build_tiny_model;
using testing::reseal;

class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override { runtime_ = wt_runtime_create(2); }
  void TearDown() override { wt_runtime_destroy(runtime_); }

  wt_model* load(const std::vector<uint8_t>& file) {
    void* buf = wt_alloc(file.size());
    if (!file.empty()) std::memcpy(buf, file.data(), file.size());
    return wt_model_load(runtime_, buf, file.size());
  }

  // Loading fails with a message containing `expected`; then a good model still loads and runs.
  void expect_rejected(const std::vector<uint8_t>& file, const std::string& expected) {
    EXPECT_EQ(load(file), nullptr);
    EXPECT_NE(std::string(wt_last_error()).find(expected), std::string::npos) << wt_last_error();
    expect_good_model_runs();
  }

  void expect_good_model_runs() {
    wt_model* m = load(build_tiny_model());
    ASSERT_NE(m, nullptr) << wt_last_error();
    const float x[8] = {1, 0, 0, 0, 0, 1, 0, -10};
    const int64_t shape[2] = {2, 4};
    ASSERT_EQ(wt_model_set_input(m, 0, x, sizeof(x), 0, 2, shape), 1) << wt_last_error();
    ASSERT_EQ(wt_model_forward(m), 1);
    const float* y = static_cast<const float*>(wt_model_output_data(m, 0));
    // row 0: x = e0 -> W[:, 0] + b = [0, 1, 2] + [1, 2, 3]; row 1: W[:, 1] - 10 W[:, 3] + b < 0 -> relu 0
    const float expected[6] = {1, 3, 5, 0, 0, 0};
    for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;
    wt_model_destroy(m);
  }

  wt_runtime* runtime_ = nullptr;
};

TEST_F(CApiTest, GoodModelRunsAndReportsMetadata) {
  wt_model* m = load(build_tiny_model());
  ASSERT_NE(m, nullptr) << wt_last_error();
  EXPECT_EQ(wt_model_num_inputs(m), 1);
  EXPECT_EQ(wt_model_num_outputs(m), 1);
  EXPECT_STREQ(wt_model_tensor_name(m, 0, 0), "x");
  EXPECT_EQ(wt_model_tensor_rank(m, 1, 0), 2);
  EXPECT_EQ(wt_model_tensor_shape(m, 1, 0)[1], 3);
  EXPECT_EQ(wt_model_tensor_name(m, 0, 5), nullptr);
  EXPECT_EQ(wt_model_weight_bytes(m), 60u);
  EXPECT_GE(wt_model_arena_bytes(m), 32u + 24u);
  wt_model_destroy(m);
  expect_good_model_runs();
}

TEST_F(CApiTest, RejectsTruncatedFilesAtEveryLength) {
  const auto good = build_tiny_model();
  for (size_t len = 0; len < good.size(); ++len) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + len);
    EXPECT_EQ(load(cut), nullptr) << "accepted a file cut to " << len << " bytes";
    EXPECT_NE(std::string(wt_last_error()).find("truncated"), std::string::npos) << wt_last_error();
  }
  expect_good_model_runs();
}

TEST_F(CApiTest, RejectsRandomBytes) {
  std::mt19937 rng(42);
  for (size_t size : {1, 63, 64, 65, 1000, 100000}) {
    std::vector<uint8_t> junk(size);
    for (auto& byte : junk) byte = static_cast<uint8_t>(rng());
    expect_rejected(junk, size < 64 ? "truncated" : "wrong magic");
  }
}

TEST_F(CApiTest, RejectsWrongMagic) {
  auto file = build_tiny_model();
  file[0] = 'X';
  expect_rejected(file, "wrong magic");
}

TEST_F(CApiTest, RejectsCorruptChecksum) {
  auto file = build_tiny_model();
  file[file.size() - 1] ^= 0x40;  // a weight byte
  expect_rejected(file, "checksum mismatch");
}

TEST_F(CApiTest, RejectsNewerFormatVersion) {
  auto file = build_tiny_model();
  testing::put_u32(file, 8, kFormatVersion + 1);
  expect_rejected(file, "format version");
}

TEST_F(CApiTest, RejectsOutOfRangeHeaderOffsets) {
  auto file = build_tiny_model();
  testing::put_u64(file, 24, file.size());  // flatbuffer size past the end
  reseal(file);
  expect_rejected(file, "flatbuffer range");
  file = build_tiny_model();
  testing::put_u64(file, 32, uint64_t{1} << 62);  // weights offset far out
  reseal(file);
  expect_rejected(file, "weights range");
}

TEST_F(CApiTest, RejectsOutOfRangeWeightSegment) {
  testing::TinyModelOptions o;
  o.weight_segment_offset = 1000;
  expect_rejected(build_tiny_model(o), "outside the 76-byte weights area");
  o.weight_segment_offset = UINT64_MAX - 8;  // overflow bait
  expect_rejected(build_tiny_model(o), "outside");
}

TEST_F(CApiTest, RejectsWrongDeclaredShape) {
  testing::TinyModelOptions o;
  o.declared_output_shape = {2, 5};
  expect_rejected(build_tiny_model(o), "declared float32[2, 5] but the op computes float32[2, 3]");
}

TEST_F(CApiTest, RejectsMismatchedInputFeatures) {
  testing::TinyModelOptions o;
  o.input_shape = {2, 7};
  expect_rejected(build_tiny_model(o), "input features 7 do not match weight shape [3, 4]");
}

TEST_F(CApiTest, RejectsLinearWeightsThatDoNotFitTheirLayout) {
  testing::TinyModelOptions o;
  o.weight_layout = "panels8";
  expect_rejected(build_tiny_model(o), "input 1 has shape [3, 4]; expected rank 3");
  o.weight_shape = {3, 4, 1};  // panels 1 wide, not 8
  o.out_features = 3;
  expect_rejected(build_tiny_model(o), "panels8 weight of shape [3, 4, 1] does not hold 3 output features");
  o.out_features = -1;
  expect_rejected(build_tiny_model(o), "does not hold -1 output features");
  o.weight_layout = "panels32";
  o.weight_shape = {1, 3, 4};  // 4 wide, not 32
  o.out_features = 3;
  expect_rejected(build_tiny_model(o), "panels32 weight of shape [1, 3, 4] does not hold 3 output features");
  o.weight_layout = "nkk";
  o.weight_shape = {3, 4};
  expect_rejected(build_tiny_model(o), "weight_layout must be 'nk', 'kn', 'panels8' or 'panels32', got 'nkk'");
}

TEST_F(CApiTest, RejectsWeightOfWrongSize) {
  testing::TinyModelOptions o;
  o.weight_dtype = 2;  // int64: 96 bytes needed, the segment has 48
  expect_rejected(build_tiny_model(o), "needs 96");
}

TEST_F(CApiTest, RejectsUnknownOp) {
  testing::TinyModelOptions o;
  o.op = "frobnicate";
  expect_rejected(build_tiny_model(o), "no operator 'frobnicate'");
}

TEST_F(CApiTest, FileStringsInMessagesAreEscapedNotCutAtNul) {
  testing::TinyModelOptions o;
  o.op = std::string("frob\0nic'ate\n", 13);
  expect_rejected(build_tiny_model(o), "no operator 'frob\\x00nic\\'ate\\x0a'");
}

TEST_F(CApiTest, ReadsInt64ListsTheVerifierLeavesMisaligned) {
  // Under UBSan (make test-asan) an in-place read of this shape stops the test.
  testing::TinyModelOptions o;
  o.misaligned_input_shape = true;
  const auto file = build_tiny_model(o);
  const auto* model = ::wasm_torch::schema::GetModel(&file[kHeaderSize]);
  const auto* shape = model->tensors()->Get(0)->shape();
  ASSERT_EQ(shape->size(), 2u);
  ASSERT_EQ((reinterpret_cast<uintptr_t>(shape->Data()) - reinterpret_cast<uintptr_t>(&file[kHeaderSize])) % 8, 4u);
  expect_good_model_runs();
  wt_model* m = load(file);
  ASSERT_NE(m, nullptr) << wt_last_error();
  EXPECT_EQ(wt_model_tensor_shape(m, 0, 0)[0], 2);
  EXPECT_EQ(wt_model_tensor_shape(m, 0, 0)[1], 4);
  wt_model_destroy(m);
}

TEST_F(CApiTest, RejectsAFlatbufferNotAlignedTo8Bytes) {
  // The verifier checks alignment from the flatbuffer's start: at 4 mod 8, its 8-byte scalars
  // would be misaligned in memory.
  auto file = build_tiny_model();
  uint64_t fb_size;
  std::memcpy(&fb_size, &file[24], 8);
  testing::put_u64(file, 16, kHeaderSize + 4);
  testing::put_u64(file, 24, fb_size - 4);
  reseal(file);
  expect_rejected(file, "flatbuffer range [68, +");
}

TEST_F(CApiTest, RejectsUnknownFusedActivation) {
  testing::TinyModelOptions o;
  o.activation = "frobnicate";
  expect_rejected(build_tiny_model(o), "unknown fused activation 'frobnicate'");
}

TEST_F(CApiTest, RejectsCorruptFlatbufferEvenWithValidChecksum) {
  auto file = build_tiny_model();
  uint32_t root;
  std::memcpy(&root, &file[kHeaderSize], 4);
  testing::put_u32(file, kHeaderSize, root + 100000);  // root offset points outside
  reseal(file);
  expect_rejected(file, "failed verification");
}

TEST_F(CApiTest, BitFlipsNeverCrash) {
  // Flip each byte of the flatbuffer (resealed so the CRC does not mask it): the load either
  // succeeds with a consistent model or fails with a message. ASan/UBSan watch the rest.
  const auto good = build_tiny_model();
  uint64_t fb_size;
  std::memcpy(&fb_size, &good[24], 8);
  for (size_t i = kHeaderSize; i < kHeaderSize + fb_size; ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      auto file = good;
      file[i] ^= mask;
      reseal(file);
      wt_model* m = load(file);
      if (m != nullptr) {
        const float x[8] = {};
        const int64_t shape[2] = {2, 4};
        if (wt_model_set_input(m, 0, x, sizeof(x), 0, 2, shape)) wt_model_forward(m);
        wt_model_destroy(m);
      } else {
        EXPECT_GT(std::strlen(wt_last_error()), 10u);
      }
    }
  }
  expect_good_model_runs();
}

TEST_F(CApiTest, RejectsWrongInputShapeDtypeAndSize) {
  wt_model* m = load(build_tiny_model());
  ASSERT_NE(m, nullptr);
  const float x[8] = {};
  const int64_t wrong[2] = {3, 4}, right[2] = {2, 4};
  EXPECT_EQ(wt_model_set_input(m, 0, x, sizeof(x), 0, 2, wrong), 0);
  EXPECT_NE(std::string(wt_last_error()).find("expects float32[2, 4], got float32[3, 4]"), std::string::npos);
  EXPECT_EQ(wt_model_set_input(m, 0, x, sizeof(x), 3, 2, right), 0);
  EXPECT_NE(std::string(wt_last_error()).find("got int32[2, 4]"), std::string::npos);
  EXPECT_EQ(wt_model_set_input(m, 0, x, 4, 0, 2, right), 0);
  EXPECT_NE(std::string(wt_last_error()).find("32 bytes"), std::string::npos);
  EXPECT_EQ(wt_model_set_input(m, 1, x, sizeof(x), 0, 2, right), 0);
  EXPECT_EQ(wt_model_set_input(m, -1, x, sizeof(x), 0, 2, right), 0);
  EXPECT_EQ(wt_model_set_input(m, 0, x, sizeof(x), 99, 2, right), 0);
  EXPECT_EQ(wt_model_set_input(m, 0, x, sizeof(x), 0, 99, right), 0);
  wt_model_destroy(m);
  expect_good_model_runs();
}

TEST_F(CApiTest, RejectsBadThreadCounts) {
  EXPECT_EQ(wt_runtime_create(0), nullptr);
  EXPECT_NE(std::string(wt_last_error()).find("thread count"), std::string::npos);
  EXPECT_EQ(wt_model_load(nullptr, wt_alloc(8), 8), nullptr);
}

}  // namespace
}  // namespace wt
