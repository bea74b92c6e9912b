// SIMD128 approximations of exp, tanh, erf and sigmoid, shared by the elementwise and softmax
// kernels. Maximum errors, measured against double precision over dense grids of the whole
// useful range (tests/cpp/vunary_simd_test.cc asserts these bounds; measured values are lower):
//   exp: relative 3e-7 on [-87.3, 88.3] (below: exactly 0, above: 2.4e38, not inf)
//   sigmoid, silu: absolute 2e-7 x max(1, |x|); tanh: absolute 3e-7; erf: absolute 5e-7;
//   gelu (erf and tanh forms): absolute 5e-7 x max(1, |x|).
#pragma once

#include "kernels/simd128.h"

#if WT_HAVE_SIMD128

namespace wt::simd {

// A constant the compiler keeps in a local across loops (wt_v128_opaque).
inline v128_t splat(float v) { return wt_v128_opaque(wasm_f32x4_splat(v)); }
// a * b + c, fused in the relaxed builds.
inline v128_t madd(v128_t a, v128_t b, v128_t c) { return wt_f32x4_mul_add(a, b, c); }

// Cephes' expf: e^x = 2^n e^r with n = round(x log2 e), |r| <= ln2 / 2, e^r by a degree-6
// polynomial. n is rounded by adding 1.5 * 2^23 + 127, which leaves n + 127 in the low mantissa
// bits, so shifting those into the exponent field makes 2^n: no float-to-int conversion (V8 emits
// i32x4.trunc_sat_f32x4_s as a long saturating sequence; the exp took 14 cycles per vector with
// it). The clamp keeps n + 127 in [1, 254], 2^n a normal float. Below the clamp (where e^x is
// denormal) the result is 0, not the smallest normal: softmax's masked scores (-1e4) become
// probabilities that the P V GEMM multiplies, and a product in the denormal range costs a
// microcode assist of ~100 cycles on x86 without FMA (Node's simd build ran BERT's attention 15x
// slower than the relaxed one).
inline v128_t exp_f32x4(v128_t x) {
  const v128_t magic = splat(12583039.f);  // 0x1.8000FEp23
  const v128_t underflow = wasm_f32x4_lt(x, splat(-87.33654f));  // false for NaN, which propagates
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, splat(-87.33654f)), splat(88.37626f));
  const v128_t biased = madd(x, splat(1.44269504088896341f), magic);
  const v128_t n = wasm_f32x4_sub(biased, magic);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, splat(0.693359375f)));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, splat(2.12194440e-4f)));
  v128_t p = splat(1.9875691500e-4f);
  p = madd(p, r, splat(1.3981999507e-3f));
  p = madd(p, r, splat(8.3334519073e-3f));
  p = madd(p, r, splat(4.1665795894e-2f));
  p = madd(p, r, splat(1.6666665459e-1f));
  p = madd(p, r, splat(5.0000001201e-1f));
  p = madd(wasm_f32x4_mul(p, r), r, wasm_f32x4_add(r, splat(1.f)));
  return wasm_v128_andnot(wasm_f32x4_mul(p, wasm_i32x4_shl(biased, 23)), underflow);
}

inline v128_t sigmoid_f32x4(v128_t x) {
  return wasm_f32x4_div(splat(1.f), wasm_f32x4_add(splat(1.f), exp_f32x4(wasm_f32x4_neg(x))));
}

// Cephes' tanhf: an odd polynomial below |x| = 0.625 (where 1 - 2 / (e^2x + 1) cancels), the
// exponential form above.
inline v128_t tanh_f32x4(v128_t x) {
  const v128_t ax = wasm_f32x4_abs(x);
  const v128_t s = wasm_f32x4_mul(x, x);
  v128_t p = splat(-5.70498872745e-3f);
  p = madd(p, s, splat(2.06390887954e-2f));
  p = madd(p, s, splat(-5.37397155531e-2f));
  p = madd(p, s, splat(1.33314422036e-1f));
  p = madd(p, s, splat(-3.33332819422e-1f));
  const v128_t small = madd(wasm_f32x4_mul(p, s), x, x);
  const v128_t e = exp_f32x4(wasm_f32x4_add(ax, ax));
  v128_t large = wasm_f32x4_sub(splat(1.f), wasm_f32x4_div(splat(2.f), wasm_f32x4_add(e, splat(1.f))));
  large = wasm_v128_or(large, wasm_v128_and(x, splat(-0.f)));  // tanh is odd: copy the sign of x
  return wasm_v128_bitselect(small, large, wasm_f32x4_lt(ax, splat(0.625f)));
}

// erf: its Maclaurin series below |x| = 0.5 (truncation error < 1e-9), Abramowitz & Stegun
// 7.1.26 above (absolute error 1.5e-7).
inline v128_t erf_f32x4(v128_t x) {
  const v128_t ax = wasm_f32x4_abs(x);
  const v128_t s = wasm_f32x4_mul(x, x);
  // 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), n = 0..6, by Horner in x^2.
  v128_t p = splat(1.128379167f * 1.f / (720.f * 13.f));
  p = madd(p, s, splat(-1.128379167f / (120.f * 11.f)));
  p = madd(p, s, splat(1.128379167f / (24.f * 9.f)));
  p = madd(p, s, splat(-1.128379167f / (6.f * 7.f)));
  p = madd(p, s, splat(1.128379167f / (2.f * 5.f)));
  p = madd(p, s, splat(-1.128379167f / 3.f));
  p = madd(p, s, splat(1.128379167f));
  const v128_t small = wasm_f32x4_mul(p, x);
  const v128_t t = wasm_f32x4_div(splat(1.f), madd(ax, splat(0.3275911f), splat(1.f)));
  v128_t q = splat(1.061405429f);
  q = madd(q, t, splat(-1.453152027f));
  q = madd(q, t, splat(1.421413741f));
  q = madd(q, t, splat(-0.284496736f));
  q = madd(q, t, splat(0.254829592f));
  q = wasm_f32x4_mul(q, t);
  v128_t large = wasm_f32x4_sub(splat(1.f), wasm_f32x4_mul(q, exp_f32x4(wasm_f32x4_neg(s))));
  large = wasm_v128_or(large, wasm_v128_and(x, splat(-0.f)));
  return wasm_v128_bitselect(small, large, wasm_f32x4_lt(ax, splat(0.5f)));
}

}  // namespace wt::simd

#endif  // WT_HAVE_SIMD128
