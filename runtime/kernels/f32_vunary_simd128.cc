// SIMD128 elementwise kernels over the approximations of simd128_math.h.
#include <cstring>

#include "kernels/f32_vunary.h"
#include "kernels/simd128_math.h"

namespace wt {

#if WT_HAVE_SIMD128

using simd::erf_f32x4;
using simd::exp_f32x4;
using simd::madd;
using simd::sigmoid_f32x4;
using simd::splat;
using simd::tanh_f32x4;

namespace {

// Applies f to groups of 4; the tail goes through f too, on a padded copy, so every element
// gets the same approximation.
template <typename F>
inline void map4(size_t n, const float* x, float* y, F f) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, f(wasm_v128_load(x + i)));
  if (i < n) {
    float tail[4] = {0.f, 0.f, 0.f, 0.f};
    std::memcpy(tail, x + i, (n - i) * sizeof(float));
    wasm_v128_store(tail, f(wasm_v128_load(tail)));
    std::memcpy(y + i, tail, (n - i) * sizeof(float));
  }
}

}  // namespace

void f32_vclampp_simd128(size_t n, const float* x, float* y, const UnaryParams& p) {
  const v128_t lo = splat(p.alpha), hi = splat(p.beta);
  map4(n, x, y, [&](v128_t v) { return wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi); });
}
void f32_vexp_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, exp_f32x4); }
void f32_vsigmoid_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, sigmoid_f32x4); }
void f32_vsilu_simd128(size_t n, const float* x, float* y, const UnaryParams&) {
  // x sigmoid(x) = h + h tanh(h), h = x / 2: on the rational tanh, 0.84 -> 0.61 ns an element in Node,
  // where x / (1 + e^-x) ran an exp and a division (EfficientNet-B0 applies it to 6.2M elements).
  map4(n, x, y, [](v128_t v) {
    const v128_t h = wasm_f32x4_mul(v, splat(0.5f));
    return madd(h, tanh_f32x4(h), h);
  });
}
void f32_vtanh_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, tanh_f32x4); }
void f32_verf_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, erf_f32x4); }
// Rounding is exact in SIMD128 (nearest: ties to even, as torch.round).
void f32_vfloor_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, [](v128_t v) { return wasm_f32x4_floor(v); }); }
void f32_vceil_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, [](v128_t v) { return wasm_f32x4_ceil(v); }); }
void f32_vround_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, [](v128_t v) { return wasm_f32x4_nearest(v); }); }
void f32_vtrunc_simd128(size_t n, const float* x, float* y, const UnaryParams&) { map4(n, x, y, [](v128_t v) { return wasm_f32x4_trunc(v); }); }
void f32_vgelu_erf_simd128(size_t n, const float* x, float* y, const UnaryParams&) {
  map4(n, x, y, [](v128_t v) {
    const v128_t e = erf_f32x4(wasm_f32x4_mul(v, splat(0.70710678118654752f)));
    return wasm_f32x4_mul(wasm_f32x4_mul(v, splat(0.5f)), wasm_f32x4_add(e, splat(1.f)));
  });
}
void f32_vgelu_tanh_simd128(size_t n, const float* x, float* y, const UnaryParams&) {
  map4(n, x, y, [](v128_t v) {
    const v128_t inner = wasm_f32x4_mul(splat(0.79788456080286536f),
                                        madd(wasm_f32x4_mul(splat(0.044715f), wasm_f32x4_mul(v, v)), v, v));
    return wasm_f32x4_mul(wasm_f32x4_mul(v, splat(0.5f)), wasm_f32x4_add(tanh_f32x4(inner), splat(1.f)));
  });
}
void f32_vhardswish_simd128(size_t n, const float* x, float* y, const UnaryParams&) {
  map4(n, x, y, [](v128_t v) {
    const v128_t r6 = wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_add(v, splat(3.f)), splat(0.f)), splat(6.f));
    return wasm_f32x4_mul(v, wasm_f32x4_mul(r6, splat(1.f / 6.f)));
  });
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
