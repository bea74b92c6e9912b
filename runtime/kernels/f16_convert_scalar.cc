// The reference: the half's magnitude bits moved into a float's place are the value times 2^-112
// (kHalfRebias); one multiplication makes it exact, and the sign is put back. The SIMD kernel computes the
// same, bit for bit.
#include <cstring>

#include "kernels/f16_convert.h"

namespace wt {

void f16_to_f32_scalar(size_t n, const uint16_t* x, float* y) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t magnitude = static_cast<uint32_t>(x[i] & 0x7fffu) << 13;
    float f;
    std::memcpy(&f, &magnitude, sizeof f);
    f *= kHalfRebias;
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    bits |= static_cast<uint32_t>(x[i] & 0x8000u) << 16;
    std::memcpy(&y[i], &bits, sizeof bits);
  }
}

}  // namespace wt
