// The runtime's buffers: 64-byte aligned at every size, writable to their end, counted while live,
// and freed through the block they were carved from (ASan checks the pairing in its build).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/memory.h"

namespace wt {
namespace {

class AlignedBufferTest : public ::testing::TestWithParam<size_t> {};

TEST_P(AlignedBufferTest, AlignedWritableAndCounted) {
  const size_t bytes = GetParam(), live = live_buffer_count();
  std::vector<AlignedBytes> buffers;
  for (int k = 0; k < 5; ++k) {  // several in a row: the heap's top at different offsets
    buffers.push_back(allocate_aligned(bytes));
    uint8_t* p = buffers.back().get();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kBufferAlignment, 0u) << bytes;
    std::memset(p, 0x5A, bytes);
  }
  EXPECT_EQ(live_buffer_count(), live + 5);
  buffers.clear();
  EXPECT_EQ(live_buffer_count(), live);
}

INSTANTIATE_TEST_SUITE_P(Sizes, AlignedBufferTest, ::testing::Values(0, 1, 7, 63, 64, 65, 1000, 1 << 20));

TEST(AlignedBufferLimitsTest, ImpossibleSizesAreNull) {
  EXPECT_EQ(allocate_aligned(SIZE_MAX).get(), nullptr);
  EXPECT_EQ(allocate_aligned(SIZE_MAX - kBufferAlignment).get(), nullptr);
}

}  // namespace
}  // namespace wt
