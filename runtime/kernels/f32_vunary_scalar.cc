#include <cmath>

#include "kernels/f32_vunary.h"

namespace wt {
namespace {

// Applies f to each element; f sees the params.
template <typename F>
inline void map(size_t n, const float* x, float* y, F f) {
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

float softplus(float v, float beta, float threshold) {
  return v * beta > threshold ? v : std::log1p(std::exp(v * beta)) / beta;
}

}  // namespace

void f32_vclampp_scalar(size_t n, const float* x, float* y, const UnaryParams& p) {
  map(n, x, y, [&](float v) { return v < p.alpha ? p.alpha : (v > p.beta ? p.beta : v); });
}
void f32_vsigmoid_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return 1.f / (1.f + std::exp(-v)); });
}
void f32_vtanh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::tanh(v); });
}
void f32_vsilu_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return v / (1.f + std::exp(-v)); });
}
void f32_vhardswish_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return v * std::fmin(std::fmax(v + 3.f, 0.f), 6.f) / 6.f; });
}
void f32_vhardsigmoid_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::fmin(std::fmax(v + 3.f, 0.f), 6.f) / 6.f; });
}
void f32_vgelu_erf_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return 0.5f * v * (1.f + std::erf(v * 0.70710678118654752f)); });
}
void f32_vgelu_tanh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y,
      [](float v) { return 0.5f * v * (1.f + std::tanh(0.79788456080286536f * (v + 0.044715f * v * v * v))); });
}
void f32_velu_scalar(size_t n, const float* x, float* y, const UnaryParams& p) {
  map(n, x, y, [&](float v) { return v > 0.f ? v : p.alpha * std::expm1(v); });
}
void f32_vleaky_relu_scalar(size_t n, const float* x, float* y, const UnaryParams& p) {
  map(n, x, y, [&](float v) { return v > 0.f ? v : v * p.alpha; });
}
void f32_vsoftplus_scalar(size_t n, const float* x, float* y, const UnaryParams& p) {
  map(n, x, y, [&](float v) { return softplus(v, p.alpha, p.beta); });
}
void f32_vmish_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return v * std::tanh(softplus(v, 1.f, 20.f)); });
}
void f32_vexp_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::exp(v); });
}
void f32_vlog_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::log(v); });
}
void f32_vsqrt_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::sqrt(v); });
}
void f32_vrsqrt_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return 1.f / std::sqrt(v); });
}
void f32_vneg_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return -v; });
}
void f32_vabs_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::fabs(v); });
}
void f32_verf_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::erf(v); });
}


// libm's elementary functions, and rounding.
void f32_vsin_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::sin(v); });
}
void f32_vcos_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::cos(v); });
}
void f32_vtan_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::tan(v); });
}
void f32_vasin_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::asin(v); });
}
void f32_vacos_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::acos(v); });
}
void f32_vatan_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::atan(v); });
}
void f32_vsinh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::sinh(v); });
}
void f32_vcosh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::cosh(v); });
}
void f32_vasinh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::asinh(v); });
}
void f32_vacosh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::acosh(v); });
}
void f32_vatanh_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::atanh(v); });
}
void f32_vexpm1_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::expm1(v); });
}
void f32_vlog1p_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::log1p(v); });
}
void f32_vlog2_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::log2(v); });
}
void f32_vlog10_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::log10(v); });
}
void f32_vexp2_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::exp2(v); });
}
void f32_verfc_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::erfc(v); });
}
void f32_vfloor_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::floor(v); });
}
void f32_vceil_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::ceil(v); });
}
void f32_vround_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::nearbyint(v); });
}
void f32_vtrunc_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return std::trunc(v); });
}
void f32_vfrac_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return v - std::trunc(v); });
}
void f32_vreciprocal_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return 1.f / v; });
}
void f32_vsign_scalar(size_t n, const float* x, float* y, const UnaryParams&) {
  map(n, x, y, [](float v) { return v > 0.f ? 1.f : (v < 0.f ? -1.f : v); });
}

}  // namespace wt
