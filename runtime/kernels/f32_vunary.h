// Elementwise unary kernels over contiguous runs, one signature for all so ops can table them.
// The scalar kernels are exact up to libm (std::exp/tanh/erf) and are the references; the
// SIMD128 kernels use polynomial approximations whose maximum errors f32_vunary_simd128.cc states.
#pragma once

#include <cstddef>

#include "kernels/simd128.h"

namespace wt {

struct UnaryParams {
  float alpha = 0.f;  // leaky_relu slope, elu alpha, softplus beta, clamp min
  float beta = 0.f;   // softplus threshold, clamp max
};

using F32UnaryFn = void (*)(size_t n, const float* x, float* y, const UnaryParams& p);

void f32_vclampp_scalar(size_t n, const float* x, float* y, const UnaryParams& p);  // [alpha, beta]
void f32_vsigmoid_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vtanh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsilu_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vhardswish_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vhardsigmoid_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vgelu_erf_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vgelu_tanh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_velu_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vleaky_relu_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsoftplus_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vmish_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vexp_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vlog_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsqrt_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vrsqrt_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vneg_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vabs_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_verf_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsin_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vcos_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vtan_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vasin_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vacos_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vatan_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsinh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vcosh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vasinh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vacosh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vatanh_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vexpm1_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vlog1p_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vlog2_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vlog10_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vexp2_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_verfc_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vfloor_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vceil_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vround_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vtrunc_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vfrac_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vreciprocal_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsign_scalar(size_t n, const float* x, float* y, const UnaryParams& p);

void f32_vclampp_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vexp_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsigmoid_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vsilu_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vtanh_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_verf_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vgelu_erf_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vgelu_tanh_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vhardswish_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vfloor_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vceil_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vround_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
void f32_vtrunc_simd128(size_t n, const float* x, float* y, const UnaryParams& p);

}  // namespace wt
