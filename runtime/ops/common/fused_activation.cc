#include "ops/common/fused_activation.h"

#include <algorithm>
#include <limits>

namespace wt {
namespace {

// The activation attribute's functions: the fusable unary ops of schema/contract.toml but the
// clamps (relu, clamp), which are the GEMM epilogue's min/max instead.
struct UnaryOp {
  const char* name;
  F32VUnary kernel;
  bool fusable;
};

const UnaryOp kUnaryOps[] = {
#define WT_UNARY_OP(name, kernel, alpha_attr, alpha, beta_attr, beta, fusable, notes) {name, F32VUnary::kernel, fusable},
    WT_CONTRACT_UNARY_OPS(WT_UNARY_OP)
#undef WT_UNARY_OP
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
  for (const UnaryOp& op : kUnaryOps) {
    if (op.fusable && op.kernel != F32VUnary::clampp && act == op.name) {
      fused.fn = ctx.kernel_table->unary(op.kernel);
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
