// Elementwise unary ops, one table: name, kernel, and how its attributes become UnaryParams.

#include "kernels/f32_vunary.h"
#include "ops/common/op.h"

namespace wt {
namespace {

constexpr size_t kElementwiseChunk = 16384;

class UnaryKernel final : public OpKernel {
 public:
  UnaryKernel(F32UnaryFn fn, size_t n, UnaryParams params) : fn_(fn), n_(n), params_(params) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(n_, kElementwiseChunk,
                          [&](size_t b, size_t e) { fn_(e - b, ctx.in_f32(0) + b, ctx.out_f32(0) + b, params_); });
  }
  Aliasing output_aliasing() const override { return Aliasing::kInPlace; }

 private:
  F32UnaryFn fn_;
  size_t n_;
  UnaryParams params_;
};

// Reads attribute `name` (default `fallback`) as a float.
Result<float> attr(const PrepareContext& ctx, const char* name, double fallback) {
  WT_ASSIGN_OR_RETURN(double v, ctx.node.attributes.get_float(name, fallback));
  return static_cast<float>(v);
}

struct UnarySpec {
  const char* name;
  F32VUnary kernel;
  const char* alpha_attr;  // attribute read into params.alpha (nullptr: none)
  double alpha_default;
  const char* beta_attr;
  double beta_default;
  const char* notes;
};

// schema/contract.toml's unary ops.
const UnarySpec kUnarySpecs[] = {
#define WT_UNARY_SPEC(name, kernel, alpha_attr, alpha, beta_attr, beta, fusable, notes) \
  {name, F32VUnary::kernel, alpha_attr, alpha, beta_attr, beta, notes},
    WT_CONTRACT_UNARY_OPS(WT_UNARY_SPEC)
#undef WT_UNARY_SPEC
};

const UnarySpec* find_spec(const std::string& name) {
  for (const UnarySpec& s : kUnarySpecs) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

Result<std::unique_ptr<OpKernel>> prepare_unary(const PrepareContext& ctx) {
  const UnarySpec* spec = find_spec(ctx.node.op);
  if (spec == nullptr) return ctx.error("is not a unary op");
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 0, kMaxRank));
  UnaryParams params;
  params.beta = static_cast<float>(spec->beta_default);
  params.alpha = static_cast<float>(spec->alpha_default);
  if (spec->alpha_attr) {
    WT_ASSIGN_OR_RETURN(params.alpha, attr(ctx, spec->alpha_attr, spec->alpha_default));
  }
  if (spec->beta_attr) {
    WT_ASSIGN_OR_RETURN(params.beta, attr(ctx, spec->beta_attr, spec->beta_default));
  }
  if (spec->kernel == F32VUnary::clampp && !(params.alpha <= params.beta)) {
    return ctx.error("min must not exceed max");
  }
  if (spec->kernel == F32VUnary::softplus && params.alpha == 0.f) return ctx.error("beta must not be 0");
  const TensorInfo& x = *ctx.input(0);
  ctx.outputs->push_back({DType::kFloat32, x.shape});
  return make_kernel(UnaryKernel(ctx.kernel_table->unary(spec->kernel), static_cast<size_t>(numel(x.shape)), params));
}

}  // namespace

const std::vector<OpDef>& unary_ops() {
  static const std::vector<OpDef> defs =
      family_defs(kUnarySpecs, prepare_unary, "float32", [](const UnarySpec& s) { return s.notes; });
  return defs;
}

}  // namespace wt
