// Elementwise unary kernels over contiguous runs, one signature for all so ops can table them.
// The scalar kernels are exact up to libm (std::exp/tanh/erf) and are the references; the
// SIMD128 kernels use polynomial approximations whose maximum errors f32_vunary_simd128.cc states.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/contract.h"
#include "kernels/simd128.h"

namespace wt {

struct UnaryParams {
  float alpha = 0.f;  // leaky_relu slope, elu alpha, softplus beta, clamp min
  float beta = 0.f;   // softplus threshold, clamp max
};

using F32UnaryFn = void (*)(size_t n, const float* x, float* y, const UnaryParams& p);

// Every unary kernel, named once: the kernels of the unary ops in schema/contract.toml, each a scalar
// reference f32_v<name>_scalar (exact up to libm); the second list is the subset with a SIMD128
// kernel f32_v<name>_simd128. The kernel table, the unary op table, the fused activations and the
// kernel tests all index F32VUnary. clampp clamps to [alpha, beta].
#define WT_F32_VUNARY_KERNELS(X) WT_CONTRACT_UNARY_KERNELS(X)
#define WT_F32_VUNARY_SIMD128_KERNELS(X) X(clampp) X(exp) X(sigmoid) X(silu) X(tanh) X(erf) X(gelu_erf) \
  X(gelu_tanh) X(hardswish) X(floor) X(ceil) X(round) X(trunc)

enum class F32VUnary : uint8_t {
#define WT_ENUMERATOR(name) name,
  WT_F32_VUNARY_KERNELS(WT_ENUMERATOR)
#undef WT_ENUMERATOR
};
#define WT_COUNT(name) +1
constexpr size_t kF32VUnaryCount = 0 WT_F32_VUNARY_KERNELS(WT_COUNT);
#undef WT_COUNT
#define WT_NAME(name) #name,
constexpr const char* kF32VUnaryNames[kF32VUnaryCount] = {WT_F32_VUNARY_KERNELS(WT_NAME)};
#undef WT_NAME

#define WT_DECLARE_SCALAR(name) void f32_v##name##_scalar(size_t n, const float* x, float* y, const UnaryParams& p);
#define WT_DECLARE_SIMD128(name) void f32_v##name##_simd128(size_t n, const float* x, float* y, const UnaryParams& p);
WT_F32_VUNARY_KERNELS(WT_DECLARE_SCALAR)
WT_F32_VUNARY_SIMD128_KERNELS(WT_DECLARE_SIMD128)
#undef WT_DECLARE_SCALAR
#undef WT_DECLARE_SIMD128

}  // namespace wt
