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

// x P(x^2) / Q(x^2), both of degree D in x^2 by Horner: the form of tanh and erf below, whose
// coefficients scripts/fit_odd_rational.py fits (near minimax on [0, c]; past c the function is 1
// to within a float's rounding). One division and 2D + 2 multiply-adds: the exp-based forms they
// replaced (Cephes' tanh; Abramowitz & Stegun's erf with a series near 0) took 2.6-2.7 times as long.
// x is clamped to +-saturate, a little past c where the rational exceeds 1 by a few ulps (with or
// without fused multiply-adds), and the result to +-1: so it is exactly +-1 out there. SiLU and
// GELU multiply 1 + f by x, and a last ulp short of -1 made x = -1e30 give -6e22 where PyTorch
// gives -0. (Selecting +-1 past c instead cost SiLU a third more time.)
template <size_t D>
inline v128_t odd_rational(v128_t x, float saturate, const float (&p)[D + 1], const float (&q)[D + 1]) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, splat(-saturate)), splat(saturate));  // NaN passes
  const v128_t t = wasm_f32x4_mul(x, x);
  v128_t num = splat(p[D]), den = splat(q[D]);
  for (size_t i = D; i-- > 0;) {
    num = madd(num, t, splat(p[i]));
    den = madd(den, t, splat(q[i]));
  }
  const v128_t f = wasm_f32x4_div(wasm_f32x4_mul(x, num), den);
  return wasm_f32x4_pmin(wasm_f32x4_pmax(f, splat(-1.f)), splat(1.f));
}

// tanh: a (4, 4) rational fitted on |x| <= 8.3 (tanh(8.3) = 1 - 1.2e-7; fitted error 8e-9, 3e-7 in
// float); at 9 it reads 1 + 5e-7.
inline v128_t tanh_f32x4(v128_t x) {
  static constexpr float p[] = {9.99999940e-01f, 1.34191453e-01f, 3.54129053e-03f, 2.13824787e-05f, 1.44789967e-08f};
  static constexpr float q[] = {1.f, 4.67524618e-01f, 2.60497052e-02f, 3.36123107e-04f, 8.22478739e-07f};
  return odd_rational<4>(x, 9.f, p, q);
}

// erf: a (5, 5) rational fitted on |x| <= 3.92 (erf(3.92) = 1 - 3e-8; fitted error 1.6e-8, 3.5e-7
// in float); at 4.1 it reads 1 + 5e-7.
inline v128_t erf_f32x4(v128_t x) {
  static constexpr float p[] = {1.12837899e+00f, 1.92753151e-01f, 5.30588329e-02f, 3.86779360e-03f, 2.87456263e-04f,
                                2.03467994e-06f};
  static constexpr float q[] = {1.f, 5.04154682e-01f, 1.15079924e-01f, 1.51712494e-02f, 1.18796411e-03f, 3.80688471e-05f};
  return odd_rational<5>(x, 4.1f, p, q);
}

}  // namespace wt::simd

#endif  // WT_HAVE_SIMD128
