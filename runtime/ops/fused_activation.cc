#include "ops/fused_activation.h"

#include <algorithm>
#include <limits>

#include "kernels/simd128.h"

namespace wt {
namespace {

struct FusedFunction {
  const char* name;
  F32UnaryFn scalar;
  F32UnaryFn simd;
};

const FusedFunction kFusedFunctions[] = {
    {"sigmoid", f32_vsigmoid_scalar, WT_SIMD128_KERNEL(f32_vsigmoid_simd128)},
    {"tanh", f32_vtanh_scalar, WT_SIMD128_KERNEL(f32_vtanh_simd128)},
    {"silu", f32_vsilu_scalar, WT_SIMD128_KERNEL(f32_vsilu_simd128)},
    {"hardswish", f32_vhardswish_scalar, WT_SIMD128_KERNEL(f32_vhardswish_simd128)},
    {"gelu", f32_vgelu_erf_scalar, WT_SIMD128_KERNEL(f32_vgelu_erf_simd128)},
    {"gelu_tanh", f32_vgelu_tanh_scalar, WT_SIMD128_KERNEL(f32_vgelu_tanh_simd128)},
};

}  // namespace

Result<FusedActivation> read_fused_activation(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string act, ctx.node.attributes.get_string("activation", "none"));
  FusedActivation fused;
  if (act == "none") return fused;
  if (act == "relu" || act == "relu6") {
    fused.minmax.min = 0.f;
    if (act == "relu6") fused.minmax.max = 6.f;
    return fused;
  }
  if (act == "clamp") {
    WT_ASSIGN_OR_RETURN(double lo, ctx.node.attributes.get_float("activation_min", -std::numeric_limits<double>::infinity()));
    WT_ASSIGN_OR_RETURN(double hi, ctx.node.attributes.get_float("activation_max", std::numeric_limits<double>::infinity()));
    if (!(lo <= hi)) return ctx.error("fused clamp needs activation_min <= activation_max");
    fused.minmax.min = static_cast<float>(lo);
    fused.minmax.max = static_cast<float>(hi);
    return fused;
  }
  for (const FusedFunction& f : kFusedFunctions) {
    if (act == f.name) {
      fused.fn = f.simd ? f.simd : f.scalar;
      return fused;
    }
  }
  return ctx.error("unknown fused activation " + quote(act));
}

Result<bool> read_residual(const PrepareContext& ctx, const Shape& out) {
  const TensorInfo* residual = ctx.input(kResidualInput);
  if (!residual) return false;
  WT_RETURN_IF_ERROR(ctx.expect_input(kResidualInput, DType::kFloat32, out.size(), out.size()));
  if (residual->shape != out) {
    return ctx.error("residual shape " + shape_to_string(residual->shape) + " does not match the output " +
                     shape_to_string(out));
  }
  return true;
}

void copy_residual(const RunContext& ctx, size_t n) {
  const float* residual = ctx.in_f32(kResidualInput);
  float* out = ctx.out_f32(0);
  if (residual != out) std::copy(residual, residual + n, out);
}

}  // namespace wt
