#include "core/memory.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>

namespace wt {
namespace {

std::atomic<size_t> live_buffers{0};

}  // namespace

// Buffers are aligned here, over a plain malloc with the block's own address kept just below the
// buffer, rather than by aligned_alloc: emscripten 3.1.6's emmalloc claims `size` plus its headers
// from sbrk for an aligned block it cannot place, not the alignment's padding too, and then claims
// that much again; a 2.46 GB model file's block failed that way in Chromium at 2 threads whenever
// the heap's top was not 64-byte aligned (tests/python/test_large_model.py).
constexpr size_t kHeaderBytes = sizeof(void*);

void AlignedFree::operator()(void* p) const {
  if (p == nullptr) return;
  live_buffers.fetch_sub(1, std::memory_order_relaxed);
  std::free(static_cast<void**>(p)[-1]);
}

AlignedBytes allocate_aligned(size_t bytes) {
  const size_t rounded = aligned_size(bytes);
  const size_t block = rounded + kBufferAlignment + kHeaderBytes;
  if (rounded < bytes || block < rounded) return AlignedBytes(nullptr);
  void* raw = std::malloc(block);
  if (raw == nullptr) return AlignedBytes(nullptr);
  const uintptr_t first = reinterpret_cast<uintptr_t>(raw) + kHeaderBytes;
  auto* p = reinterpret_cast<uint8_t*>((first + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
  reinterpret_cast<void**>(p)[-1] = raw;
  live_buffers.fetch_add(1, std::memory_order_relaxed);
  return AlignedBytes(p);
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
