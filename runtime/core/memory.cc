#include "core/memory.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>

namespace wt {
namespace {

std::atomic<size_t> live_buffers{0};

}  // namespace

void AlignedFree::operator()(void* p) const {
  if (p == nullptr) return;
  live_buffers.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}

AlignedBytes allocate_aligned(size_t bytes) {
  const size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded < bytes) return AlignedBytes(nullptr);
  void* p = std::aligned_alloc(kBufferAlignment, rounded ? rounded : kBufferAlignment);
  if (p != nullptr) live_buffers.fetch_add(1, std::memory_order_relaxed);
  return AlignedBytes(static_cast<uint8_t*>(p));
}

size_t live_buffer_count() { return live_buffers.load(std::memory_order_relaxed); }

size_t heap_used_bytes() {
#if defined(__GLIBC__)
  return mallinfo2().uordblks;
#else
  return static_cast<size_t>(static_cast<unsigned>(mallinfo().uordblks));  // emscripten's dlmalloc
#endif
}

}  // namespace wt
