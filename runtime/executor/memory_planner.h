// Plans one arena for all activations from their lifetimes, so the peak is known at load time
// and inference allocates nothing. Greedy by size: the largest tensors are placed first, each
// at the lowest offset that does not overlap a tensor whose lifetime intersects its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/memory.h"

namespace wt {

constexpr size_t kArenaAlignment = kBufferAlignment;  // offsets into a buffer of that alignment

struct BufferRequest {
  uint64_t bytes;
  int first_step;  // step that writes it (-1 for graph inputs)
  int last_step;   // last step that reads it (the step count for graph outputs)
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // one per request
  uint64_t arena_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

// True when no two requests with intersecting lifetimes overlap in the arena and all fit.
bool plan_is_valid(const std::vector<BufferRequest>& requests, const MemoryPlan& plan);

}  // namespace wt
