// The runtime's buffers: 64-byte aligned blocks for model files, arenas, scratch and the host's
// tensors, and what the heap holds, so a host can check that loads, forwards and disposals
// leave nothing behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace wt {

constexpr size_t kBufferAlignment = 64;

// bytes rounded up to kBufferAlignment: where the next buffer of a shared block starts aligned.
inline size_t aligned_size(size_t bytes) { return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment; }

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

// A short copy (an im2col run: a 3-channel stem's kernel row, a 4-channel group's tap) in pieces of
// a constant size the compiler inlines: a memcpy of a variable size is a call in wasm.
inline void copy_short(void* dst, const void* src, size_t bytes) {
  auto* to = static_cast<uint8_t*>(dst);
  const auto* from = static_cast<const uint8_t*>(src);
  for (; bytes >= 16; bytes -= 16, to += 16, from += 16) std::memcpy(to, from, 16);
  for (; bytes >= 4; bytes -= 4, to += 4, from += 4) std::memcpy(to, from, 4);
  for (; bytes > 0; --bytes) *to++ = *from++;
}

}  // namespace wt
