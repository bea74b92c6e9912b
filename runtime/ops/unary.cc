// Elementwise unary ops, one table: name, kernel, and how its attributes become UnaryParams.
#include <limits>

#include "kernels/f32_vunary.h"
#include "ops/op.h"

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

constexpr double kInf = std::numeric_limits<double>::infinity();

const UnarySpec kUnarySpecs[] = {
    {"relu", F32VUnary::clampp, nullptr, 0.0, nullptr, kInf, "max(x, 0)"},
    {"clamp", F32VUnary::clampp, "min", -kInf, "max", kInf, "clamp(x, min, max); also relu6 and hardtanh"},
    {"sigmoid", F32VUnary::sigmoid, nullptr, 0, nullptr, 0, "1 / (1 + exp(-x))"},
    {"tanh", F32VUnary::tanh, nullptr, 0, nullptr, 0, ""},
    {"silu", F32VUnary::silu, nullptr, 0, nullptr, 0, "x * sigmoid(x)"},
    {"hardswish", F32VUnary::hardswish, nullptr, 0, nullptr, 0, "x * relu6(x + 3) / 6"},
    {"hardsigmoid", F32VUnary::hardsigmoid, nullptr, 0, nullptr, 0, "relu6(x + 3) / 6"},
    {"gelu", F32VUnary::gelu_erf, nullptr, 0, nullptr, 0, "exact (erf) form"},
    {"gelu_tanh", F32VUnary::gelu_tanh, nullptr, 0, nullptr, 0, "tanh approximation (approximate='tanh')"},
    {"elu", F32VUnary::elu, "alpha", 1.0, nullptr, 0, "alpha"},
    {"leaky_relu", F32VUnary::leaky_relu, "negative_slope", 0.01, nullptr, 0, "negative_slope"},
    {"softplus", F32VUnary::softplus, "beta", 1.0, "threshold", 20.0, "beta, threshold"},
    {"mish", F32VUnary::mish, nullptr, 0, nullptr, 0, "x * tanh(softplus(x))"},
    {"exp", F32VUnary::exp, nullptr, 0, nullptr, 0, ""},
    {"log", F32VUnary::log, nullptr, 0, nullptr, 0, ""},
    {"sqrt", F32VUnary::sqrt, nullptr, 0, nullptr, 0, ""},
    {"rsqrt", F32VUnary::rsqrt, nullptr, 0, nullptr, 0, ""},
    {"neg", F32VUnary::neg, nullptr, 0, nullptr, 0, ""},
    {"abs", F32VUnary::abs, nullptr, 0, nullptr, 0, ""},
    {"erf", F32VUnary::erf, nullptr, 0, nullptr, 0, ""},
    {"sin", F32VUnary::sin, nullptr, 0, nullptr, 0, ""},
    {"cos", F32VUnary::cos, nullptr, 0, nullptr, 0, ""},
    {"tan", F32VUnary::tan, nullptr, 0, nullptr, 0, ""},
    {"asin", F32VUnary::asin, nullptr, 0, nullptr, 0, ""},
    {"acos", F32VUnary::acos, nullptr, 0, nullptr, 0, ""},
    {"atan", F32VUnary::atan, nullptr, 0, nullptr, 0, ""},
    {"sinh", F32VUnary::sinh, nullptr, 0, nullptr, 0, ""},
    {"cosh", F32VUnary::cosh, nullptr, 0, nullptr, 0, ""},
    {"asinh", F32VUnary::asinh, nullptr, 0, nullptr, 0, ""},
    {"acosh", F32VUnary::acosh, nullptr, 0, nullptr, 0, ""},
    {"atanh", F32VUnary::atanh, nullptr, 0, nullptr, 0, ""},
    {"expm1", F32VUnary::expm1, nullptr, 0, nullptr, 0, "exp(x) - 1, exact near 0"},
    {"log1p", F32VUnary::log1p, nullptr, 0, nullptr, 0, "log(1 + x), exact near 0"},
    {"log2", F32VUnary::log2, nullptr, 0, nullptr, 0, ""},
    {"log10", F32VUnary::log10, nullptr, 0, nullptr, 0, ""},
    {"exp2", F32VUnary::exp2, nullptr, 0, nullptr, 0, ""},
    {"erfc", F32VUnary::erfc, nullptr, 0, nullptr, 0, ""},
    {"floor", F32VUnary::floor, nullptr, 0, nullptr, 0, ""},
    {"ceil", F32VUnary::ceil, nullptr, 0, nullptr, 0, ""},
    {"round", F32VUnary::round, nullptr, 0, nullptr, 0, "half to even, as torch.round"},
    {"trunc", F32VUnary::trunc, nullptr, 0, nullptr, 0, ""},
    {"frac", F32VUnary::frac, nullptr, 0, nullptr, 0, "x - trunc(x)"},
    {"reciprocal", F32VUnary::reciprocal, nullptr, 0, nullptr, 0, ""},
    {"sign", F32VUnary::sign, nullptr, 0, nullptr, 0, "-1, 0 or 1 (NaN stays NaN)"},
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
