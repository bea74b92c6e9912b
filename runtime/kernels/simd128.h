// WebAssembly SIMD128 intrinsics: the real ones in wasm builds, SIMDe's emulation natively, so
// the same kernel source is built and tested in both. WT_HAVE_SIMD128 says whether SIMD kernels
// exist in this build (the baseline wasm variant has none).
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define WT_HAVE_SIMD128 1
#elif defined(WT_NATIVE_SIMD128)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#define WT_HAVE_SIMD128 1
#else
#define WT_HAVE_SIMD128 0
#endif

// A SIMD128 kernel's name where the build has them, nullptr where it does not (kernel tables).
#if WT_HAVE_SIMD128
#define WT_SIMD128_KERNEL(name) name
#else
#define WT_SIMD128_KERNEL(name) nullptr
#endif
