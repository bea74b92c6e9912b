// WebAssembly SIMD128 intrinsics: the real ones in wasm builds, SIMDe's emulation natively, so
// the same kernel source is built and tested in both. WT_HAVE_SIMD128 says whether SIMD kernels
// exist in this build (the baseline wasm variant has none).
#pragma once

#include <cstddef>

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

// Relaxed SIMD's fused multiply-add (a * b + c, rounded once or twice as the hardware does): the
// relaxed wasm variants have it; native builds emulate it through SIMDe so its kernels are tested.
// WT_PREFER_RELAXED_SIMD: this build runs the relaxed kernels.
// Relaxed SIMD's int8 dot, c + the sums of each lane's four products a[i] * b[i]: exact when every
// b is in 0..127 (an "i7"); the sign of a larger b is the engine's choice.
#if WT_HAVE_SIMD128 && defined(__wasm_relaxed_simd__)
#define WT_HAVE_RELAXED_SIMD 1
#define WT_PREFER_RELAXED_SIMD 1
inline v128_t wt_f32x4_relaxed_madd(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)a, (__f32x4)b, (__f32x4)c);
}
inline v128_t wt_i32x4_relaxed_dot_i8x16_i7x16_add(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_wasm_relaxed_dot_i8x16_i7x16_add_s_i32x4((__i8x16)a, (__i8x16)b, (__i32x4)c);
}
#elif WT_HAVE_SIMD128 && defined(WT_NATIVE_SIMD128)
#include <simde/wasm/relaxed-simd.h>
#define WT_HAVE_RELAXED_SIMD 1
#define WT_PREFER_RELAXED_SIMD 0
// SIMDe's older name: fma(a, b, c) = a + b * c.
inline v128_t wt_f32x4_relaxed_madd(v128_t a, v128_t b, v128_t c) { return simde_wasm_f32x4_fma(c, a, b); }
// SIMDe has no relaxed dot: the deterministic lowering, b's bytes read as signed.
inline v128_t wt_i32x4_relaxed_dot_i8x16_i7x16_add(v128_t a, v128_t b, v128_t c) {
  const v128_t lo = wasm_i16x8_extmul_low_i8x16(a, b), hi = wasm_i16x8_extmul_high_i8x16(a, b);
  const v128_t even = wasm_i16x8_shuffle(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14);
  const v128_t odd = wasm_i16x8_shuffle(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15);
  return wasm_i32x4_add(c, wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_add(even, odd)));
}
#else
#define WT_HAVE_RELAXED_SIMD 0
#define WT_PREFER_RELAXED_SIMD 0
#endif

#if WT_HAVE_SIMD128
// acc + a * b: fused in the relaxed builds, a multiply and an add in the others.
inline v128_t wt_f32x4_mul_add(v128_t a, v128_t b, v128_t acc) {
#if WT_PREFER_RELAXED_SIMD
  return wt_f32x4_relaxed_madd(a, b, acc);
#else
  return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b));
#endif
}
#endif

#if WT_HAVE_SIMD128
// v, hidden from the optimizer. A constant passed through it is computed once before a loop and
// kept in a local: otherwise LLVM re-emits every v128.const inside the loop body and V8 builds each
// one from immediates with four instructions (that made exp twice as slow). Natively a no-op.
inline v128_t wt_v128_opaque(v128_t v) {
#if defined(__wasm_simd128__)
  __asm__("" : "+r"(v));
#endif
  return v;
}

// Four float lanes with the arithmetic that code written over a value type (float or F32x4)
// uses: the Winograd transforms.
namespace wt {
struct F32x4 {
  v128_t v;
  F32x4 operator+(F32x4 o) const { return {wasm_f32x4_add(v, o.v)}; }
  F32x4 operator-(F32x4 o) const { return {wasm_f32x4_sub(v, o.v)}; }
  F32x4 operator*(float s) const { return {wasm_f32x4_mul(v, wasm_f32x4_splat(s))}; }
};
}  // namespace wt

// The sum of the four lanes (pairwise).
inline float wt_f32x4_sum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// Four floats at p, p + stride, p + 2 stride, p + 3 stride for stride 1 or 2 (reads p[0..3] or
// p[0..7]): the inputs of four adjacent outputs of a strided window op.
inline v128_t wt_v128_load4_stride(const float* p, size_t stride) {
  if (stride == 1) return wasm_v128_load(p);
  return wasm_i32x4_shuffle(wasm_v128_load(p), wasm_v128_load(p + 4), 0, 2, 4, 6);
}
#endif

// A SIMD128 kernel's name where the build has them, nullptr where it does not (kernel tables).
#if WT_HAVE_SIMD128
#define WT_SIMD128_KERNEL(name) name
#else
#define WT_SIMD128_KERNEL(name) nullptr
#endif
