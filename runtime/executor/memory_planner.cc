#include "executor/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace wt {
namespace {

uint64_t align_up(uint64_t v) { return (v + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });

  struct Placed {
    uint64_t begin, end;
  };
  std::vector<size_t> placed;
  std::vector<Placed> conflicts;
  for (size_t r : order) {
    const uint64_t size = align_up(requests[r].bytes);
    conflicts.clear();
    for (size_t p : placed) {
      if (lifetimes_overlap(requests[r], requests[p])) {
        conflicts.push_back({plan.offsets[p], plan.offsets[p] + align_up(requests[p].bytes)});
      }
    }
    std::sort(conflicts.begin(), conflicts.end(), [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
    // Best fit: the smallest gap between live neighbours that holds the tensor, else the end.
    uint64_t best = UINT64_MAX, best_gap = UINT64_MAX, cursor = 0;
    for (const Placed& c : conflicts) {
      if (c.begin > cursor && c.begin - cursor >= size && c.begin - cursor < best_gap) {
        best = cursor;
        best_gap = c.begin - cursor;
      }
      cursor = std::max(cursor, c.end);
    }
    plan.offsets[r] = best != UINT64_MAX ? best : cursor;
    plan.arena_bytes = std::max(plan.arena_bytes, plan.offsets[r] + size);
    placed.push_back(r);
  }
  return plan;
}

bool plan_is_valid(const std::vector<BufferRequest>& requests, const MemoryPlan& plan) {
  if (plan.offsets.size() != requests.size()) return false;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (plan.offsets[i] % kArenaAlignment != 0 || plan.offsets[i] + requests[i].bytes > plan.arena_bytes) return false;
    for (size_t j = i + 1; j < requests.size(); ++j) {
      if (!lifetimes_overlap(requests[i], requests[j]) || requests[i].bytes == 0 || requests[j].bytes == 0) continue;
      const bool disjoint = plan.offsets[i] + requests[i].bytes <= plan.offsets[j] ||
                            plan.offsets[j] + requests[j].bytes <= plan.offsets[i];
      if (!disjoint) return false;
    }
  }
  return true;
}

}  // namespace wt
