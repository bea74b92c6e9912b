// The runtime's buffers: 64-byte aligned blocks for model files, arenas, scratch and the host's
// tensors, and what the heap holds, so a host can check that loads, forwards and disposals
// leave nothing behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace wt {

constexpr size_t kBufferAlignment = 64;

struct AlignedFree {
  void operator()(void* p) const;
};
using AlignedBytes = std::unique_ptr<uint8_t, AlignedFree>;

// Returns nullptr when the allocation fails; bytes may be 0.
AlignedBytes allocate_aligned(size_t bytes);

// Buffers from allocate_aligned not yet freed (models, arenas, scratch, the host's tensors).
size_t live_buffer_count();
// Bytes the C heap has handed out and not taken back (malloc's own count: every allocation).
size_t heap_used_bytes();

}  // namespace wt
