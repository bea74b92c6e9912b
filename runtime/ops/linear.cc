// linear: y = x @ W^T + b, x [..., K], W [N, K], b [N]; optional fused activation.
#include "ops/gemm.h"
#include "ops/fused_activation.h"

namespace wt {
namespace {

class LinearKernel final : public OpKernel {
 public:
  LinearKernel(size_t m, size_t n, size_t k, bool weight_kn, FusedActivation act)
      : m_(m), n_(n), k_(k), weight_kn_(weight_kn), act_(act) {}

  size_t workspace_bytes() const override { return gemm_shared_pack_bytes(n_, k_); }

  void run(const RunContext& ctx) const override {
    // [K, N] weights (as the exporter writes them) are read unpacked by batch-1 rows.
    const DenseB weight(ctx.in_f32(1), weight_kn_ ? 1 : k_, weight_kn_ ? n_ : 1, n_);
    GemmProblem p{m_, n_, k_, ctx.in_f32(0), k_, ctx.out_f32(0), n_};
    p.col_bias = ctx.in_f32(2);
    p.minmax = act_.minmax;
    p.activation = act_.fn;
    p.shared_pack = static_cast<float*>(ctx.workspace);
    run_gemm(p, weight, *ctx.pool);
  }

 private:
  size_t m_, n_, k_;
  bool weight_kn_;
  FusedActivation act_;
};

Result<std::unique_ptr<OpKernel>> prepare_linear(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 3));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, 2, 2));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("weight_layout", "nk"));
  if (layout != "nk" && layout != "kn") return ctx.error("weight_layout must be 'nk' or 'kn', got '" + layout + "'");
  const bool kn = layout == "kn";
  const int64_t k = kn ? w[0] : w[1], n = kn ? w[1] : w[0];
  if (x.back() != k) {
    return ctx.error("input features " + std::to_string(x.back()) + " do not match weight shape " + shape_to_string(w));
  }
  if (const TensorInfo* b = ctx.input(2)) {
    WT_RETURN_IF_ERROR(ctx.expect_input(2, DType::kFloat32, 1, 1));
    if (b->shape[0] != n) return ctx.error("bias shape " + shape_to_string(b->shape) + " does not match weight");
  }
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  Shape y = x;
  y.back() = n;
  ctx.outputs->push_back({DType::kFloat32, y});
  const auto rows = static_cast<size_t>(numel(Shape(x.begin(), x.end() - 1)));
  return make_kernel(LinearKernel(rows, static_cast<size_t>(n), static_cast<size_t>(k), kn, act));
}

}  // namespace

extern const OpDef kLinearOp = {
    "linear", prepare_linear, "float32",
    "x[..., K] @ W + b; W as [N, K] or, exported, [K, N] (weight_layout); fused activations"};

}  // namespace wt
