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
  F32UnaryFn fn;
  F32UnaryFn simd;  // the SIMD128 kernel, when this build and the op have one
  const char* alpha_attr;  // attribute read into params.alpha (nullptr: none)
  double alpha_default;
  const char* beta_attr;
  double beta_default;
  const char* notes;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

const UnarySpec kUnarySpecs[] = {
    {"relu", f32_vclampp_scalar, WT_SIMD128_KERNEL(f32_vclampp_simd128), nullptr, 0.0, nullptr, kInf, "max(x, 0)"},
    {"clamp", f32_vclampp_scalar, WT_SIMD128_KERNEL(f32_vclampp_simd128), "min", -kInf, "max", kInf, "clamp(x, min, max); also relu6 and hardtanh"},
    {"sigmoid", f32_vsigmoid_scalar, WT_SIMD128_KERNEL(f32_vsigmoid_simd128), nullptr, 0, nullptr, 0, "1 / (1 + exp(-x))"},
    {"tanh", f32_vtanh_scalar, WT_SIMD128_KERNEL(f32_vtanh_simd128), nullptr, 0, nullptr, 0, ""},
    {"silu", f32_vsilu_scalar, WT_SIMD128_KERNEL(f32_vsilu_simd128), nullptr, 0, nullptr, 0, "x * sigmoid(x)"},
    {"hardswish", f32_vhardswish_scalar, WT_SIMD128_KERNEL(f32_vhardswish_simd128), nullptr, 0, nullptr, 0, "x * relu6(x + 3) / 6"},
    {"hardsigmoid", f32_vhardsigmoid_scalar, nullptr, nullptr, 0, nullptr, 0, "relu6(x + 3) / 6"},
    {"gelu", f32_vgelu_erf_scalar, WT_SIMD128_KERNEL(f32_vgelu_erf_simd128), nullptr, 0, nullptr, 0, "exact (erf) form"},
    {"gelu_tanh", f32_vgelu_tanh_scalar, WT_SIMD128_KERNEL(f32_vgelu_tanh_simd128), nullptr, 0, nullptr, 0, "tanh approximation (approximate='tanh')"},
    {"elu", f32_velu_scalar, nullptr, "alpha", 1.0, nullptr, 0, "alpha"},
    {"leaky_relu", f32_vleaky_relu_scalar, nullptr, "negative_slope", 0.01, nullptr, 0, "negative_slope"},
    {"softplus", f32_vsoftplus_scalar, nullptr, "beta", 1.0, "threshold", 20.0, "beta, threshold"},
    {"mish", f32_vmish_scalar, nullptr, nullptr, 0, nullptr, 0, "x * tanh(softplus(x))"},
    {"exp", f32_vexp_scalar, WT_SIMD128_KERNEL(f32_vexp_simd128), nullptr, 0, nullptr, 0, ""},
    {"log", f32_vlog_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"sqrt", f32_vsqrt_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"rsqrt", f32_vrsqrt_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"neg", f32_vneg_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"abs", f32_vabs_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"erf", f32_verf_scalar, WT_SIMD128_KERNEL(f32_verf_simd128), nullptr, 0, nullptr, 0, ""},
    {"sin", f32_vsin_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"cos", f32_vcos_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"tan", f32_vtan_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"asin", f32_vasin_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"acos", f32_vacos_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"atan", f32_vatan_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"sinh", f32_vsinh_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"cosh", f32_vcosh_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"asinh", f32_vasinh_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"acosh", f32_vacosh_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"atanh", f32_vatanh_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"expm1", f32_vexpm1_scalar, nullptr, nullptr, 0, nullptr, 0, "exp(x) - 1, exact near 0"},
    {"log1p", f32_vlog1p_scalar, nullptr, nullptr, 0, nullptr, 0, "log(1 + x), exact near 0"},
    {"log2", f32_vlog2_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"log10", f32_vlog10_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"exp2", f32_vexp2_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"erfc", f32_verfc_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"floor", f32_vfloor_scalar, WT_SIMD128_KERNEL(f32_vfloor_simd128), nullptr, 0, nullptr, 0, ""},
    {"ceil", f32_vceil_scalar, WT_SIMD128_KERNEL(f32_vceil_simd128), nullptr, 0, nullptr, 0, ""},
    {"round", f32_vround_scalar, WT_SIMD128_KERNEL(f32_vround_simd128), nullptr, 0, nullptr, 0, "half to even, as torch.round"},
    {"trunc", f32_vtrunc_scalar, WT_SIMD128_KERNEL(f32_vtrunc_simd128), nullptr, 0, nullptr, 0, ""},
    {"frac", f32_vfrac_scalar, nullptr, nullptr, 0, nullptr, 0, "x - trunc(x)"},
    {"reciprocal", f32_vreciprocal_scalar, nullptr, nullptr, 0, nullptr, 0, ""},
    {"sign", f32_vsign_scalar, nullptr, nullptr, 0, nullptr, 0, "-1, 0 or 1 (NaN stays NaN)"},
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
  if (spec->fn == f32_vclampp_scalar && !(params.alpha <= params.beta)) {
    return ctx.error("min must not exceed max");
  }
  if (spec->fn == f32_vsoftplus_scalar && params.alpha == 0.f) return ctx.error("beta must not be 0");
  const TensorInfo& x = *ctx.input(0);
  ctx.outputs->push_back({DType::kFloat32, x.shape});
  return make_kernel(UnaryKernel(spec->simd ? spec->simd : spec->fn, static_cast<size_t>(numel(x.shape)), params));
}

}  // namespace

const std::vector<OpDef>& unary_ops() {
  static const std::vector<OpDef> defs =
      family_defs(kUnarySpecs, prepare_unary, "float32", [](const UnarySpec& s) { return s.notes; });
  return defs;
}

}  // namespace wt
