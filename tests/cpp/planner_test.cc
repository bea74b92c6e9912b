#include <gtest/gtest.h>

#include <random>

#include "executor/memory_planner.h"

namespace wt {
namespace {

TEST(MemoryPlannerTest, ReusesMemoryOfDeadTensors) {
  // A chain a -> b -> c: a and c never live together, so they share space.
  const std::vector<BufferRequest> chain = {{1000, -1, 0}, {1000, 0, 1}, {1000, 1, 2}};
  const MemoryPlan plan = plan_memory(chain);
  EXPECT_TRUE(plan_is_valid(chain, plan));
  EXPECT_EQ(plan.arena_bytes, 2 * 1024u);
}

TEST(MemoryPlannerTest, RandomLifetimesNeverOverlapAndStayNearTheLowerBound) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> requests;
    const int steps = 1 + int(rng() % 30);
    for (int i = 0, n = 1 + int(rng() % 40); i < n; ++i) {
      const int first = int(rng() % steps) - 1;
      requests.push_back({rng() % 5000, first, first + int(rng() % 6)});
    }
    const MemoryPlan plan = plan_memory(requests);
    ASSERT_TRUE(plan_is_valid(requests, plan)) << "trial " << trial;
    uint64_t peak_live = 0;  // no plan can be smaller than the most bytes live at one step
    for (int s = -1; s <= steps + 6; ++s) {
      uint64_t live = 0;
      for (const auto& r : requests) live += (r.first_step <= s && s <= r.last_step) ? r.bytes : 0;
      peak_live = std::max(peak_live, live);
    }
    EXPECT_GE(plan.arena_bytes, peak_live);
  }
}

TEST(MemoryPlannerTest, CheckerCatchesOverlap) {
  const std::vector<BufferRequest> live_together = {{100, 0, 2}, {100, 1, 3}};
  MemoryPlan bad;
  bad.offsets = {0, 64};
  bad.arena_bytes = 256;
  EXPECT_FALSE(plan_is_valid(live_together, bad));
}

}  // namespace
}  // namespace wt
