#include "threading/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace wt {
namespace {

class ThreadPoolTest : public ::testing::TestWithParam<int> {};

TEST_P(ThreadPoolTest, EveryIndexRunsExactlyOnce) {
  ThreadPool pool(GetParam(), 0);
  EXPECT_EQ(pool.thread_count(), GetParam());
  for (size_t range : {0, 1, 7, 1000, 12345}) {
    for (size_t chunk : {1, 3, 64}) {
      std::vector<std::atomic<int>> hits(range);
      pool.parallelize(range, chunk, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
      });
      for (size_t i = 0; i < range; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
    }
  }
}

TEST_P(ThreadPoolTest, ManyConsecutiveJobs) {
  ThreadPool pool(GetParam(), 0);
  std::atomic<long> total{0};
  for (int job = 0; job < 2000; ++job) {
    pool.parallelize(16, 1, [&](size_t b, size_t e) { total += long(e - b); });
  }
  EXPECT_EQ(total.load(), 2000 * 16);
}

// Workers that went to sleep between jobs wake up late, often after the caller has taken every
// chunk and closed the job: they must skip it, and the next jobs must still see every index once.
TEST_P(ThreadPoolTest, JobsClosedBeforeSleepingWorkersJoin) {
  ThreadPool pool(GetParam(), 0);
  for (int round = 0; round < 20; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    for (size_t range : {2, 3, 50}) {
      std::vector<std::atomic<int>> hits(range);
      pool.parallelize(range, 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
      });
      for (size_t i = 0; i < range; ++i) ASSERT_EQ(hits[i].load(), 1) << round << " " << range << " " << i;
    }
  }
}

// The range is cut into one contiguous part per thread and chunks are taken within a part (thread
// i starts on part i), so no chunk straddles two parts: 4 threads, 1000 items, parts of 250.
TEST(ThreadPoolPartsTest, ChunksStayInsideTheThreadsParts) {
  if (!ThreadPool::threads_supported()) GTEST_SKIP() << "one thread runs the whole range in one call";
  ThreadPool pool(4, 0);
  std::mutex mutex;
  std::vector<std::pair<size_t, size_t>> chunks;
  pool.parallelize(1000, 64, [&](size_t b, size_t e) {
    std::lock_guard<std::mutex> lock(mutex);
    chunks.emplace_back(b, e);
  });
  size_t covered = 0;
  for (const auto& [b, e] : chunks) {
    EXPECT_EQ(b / 250, (e - 1) / 250) << "[" << b << ", " << e << ")";
    covered += e - b;
  }
  EXPECT_EQ(covered, 1000u);
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadPoolTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace wt
