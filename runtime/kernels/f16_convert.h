// IEEE half precision (binary16) to float32: weights stored in fp16 (quantize_for_wasm "fp16")
// expand to f32 where the GEMM packs them and where an embedding gathers a row. Every finite half
// converts exactly, subnormals included; the exporter writes no inf or NaN (it keeps a layer whose
// weights exceed the half range in float32).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wt {

// A half's exponent and mantissa shifted left 13 into a float's are its value times 2^-112 (float
// bias 127 - half bias 15), whatever its kind (normal, subnormal, zero): times this, the value.
constexpr float kHalfRebias = 5.192296858534828e33f;  // 2^112

void f16_to_f32_scalar(size_t n, const uint16_t* x, float* y);
void f16_to_f32_simd128(size_t n, const uint16_t* x, float* y);
using F16ToF32Fn = void (*)(size_t, const uint16_t*, float*);

}  // namespace wt
