// Which instruction set the kernels of this build were compiled for.
#pragma once

namespace wt {

#if defined(__wasm_relaxed_simd__)
constexpr int kSimdLevel = 2;
#elif defined(__wasm_simd128__) || defined(__SSE2__) || defined(__ARM_NEON)
constexpr int kSimdLevel = 1;
#else
constexpr int kSimdLevel = 0;
#endif

}  // namespace wt
