// linear: y = x @ W^T + b (+ residual), x [..., K], b [N], residual [..., N]; optional fused
// activation (of the sum). The weight comes in one
// of four layouts (attribute weight_layout): PyTorch's [N, K] ("nk"), [K, N] ("kn"), or what the
// exporter writes: "panels8", the GEMM's own panel layout [ceil(N/8), K, 8], which every run reads
// in place with no packing, or, for inputs of 1-3 rows, "panels32" ([ceil(N/32), K, 32]), which
// those rows stream as one (columns past N zero, N in attribute out_features).
#include "gemm/gemm_driver.h"
#include "ops/common/fused_activation.h"

namespace wt {
namespace {

enum class WeightLayout { kNK, kKN, kPanels8, kPanels32 };

size_t panel_width(WeightLayout layout) { return layout == WeightLayout::kPanels32 ? PanelB::kQuadWidth : kGemmNr; }

class LinearKernel final : public OpKernel {
 public:
  LinearKernel(const PrepareContext& ctx, size_t m, size_t n, size_t k, WeightLayout layout, FusedActivation act,
               bool residual, size_t depth_block)
      : kernels_(ctx.kernel_table), n_(n), k_(k), layout_(layout), act_(act), residual_(residual) {
    GemmShape shape{m, n, k};
    shape.depth_block = depth_block;
    shape.b = in_panels() ? GemmBStorage::kPanels : DenseB::storage(b_stride_n());
    shape.b_panel_width = panel_width(layout);
    shape.accumulate = residual;
    plan_ = plan_gemm(shape, *kernels_, ctx.threads);
  }

  size_t workspace_bytes() const override { return plan_.workspace_bytes; }
  // Each output is read (accumulated onto) by the one task that writes it.
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  void run(const RunContext& ctx) const override {
    if (residual_) copy_residual(ctx, plan_.shape.m * n_);
    GemmArgs args{kernels_, ctx.in_f32(0), k_, ctx.out_f32(0), n_};
    args.col_bias = ctx.in_f32(2);
    args.minmax = act_.minmax;
    args.activation = act_.fn;
    args.workspace = static_cast<float*>(ctx.workspace);
    const float* w = ctx.in_f32(1);
    if (in_panels()) {
      run_gemm(plan_, args, PanelB(w, k_, panel_width(layout_)), *ctx.pool);
      return;
    }
    // [K, N] weights are read in place by batch-1 rows.
    run_gemm(plan_, args, DenseB(w, b_stride_n(), layout_ == WeightLayout::kKN ? n_ : 1), *ctx.pool);
  }

 private:
  bool in_panels() const { return layout_ == WeightLayout::kPanels8 || layout_ == WeightLayout::kPanels32; }
  size_t b_stride_n() const { return layout_ == WeightLayout::kKN ? 1 : k_; }

  const KernelTable* kernels_;
  size_t n_, k_;
  WeightLayout layout_;
  FusedActivation act_;
  bool residual_;
  GemmPlan plan_;
};

struct WeightShape {
  WeightLayout layout;
  int64_t k, n;
};

Result<WeightShape> read_weight_shape(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("weight_layout", contract::kWeightLayoutNk));
  const bool panels = layout == contract::kWeightLayoutPanels8 || layout == contract::kWeightLayoutPanels32;
  const size_t rank = panels ? 3 : 2;
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, rank, rank));
  const Shape& w = ctx.input(1)->shape;
  if (panels) {
    const WeightLayout kind = layout == contract::kWeightLayoutPanels8 ? WeightLayout::kPanels8 : WeightLayout::kPanels32;
    const auto width = static_cast<int64_t>(panel_width(kind));
    WT_ASSIGN_OR_RETURN(int64_t n, ctx.node.attributes.get_int("out_features"));
    if (w[2] != width || n < 1 || w[0] != (n - 1) / width + 1) {
      return ctx.error(layout + " weight of shape " + shape_to_string(w) + " does not hold " + std::to_string(n) +
                       " output features as [ceil(N/" + std::to_string(width) + "), K, " + std::to_string(width) +
                       "]");
    }
    return WeightShape{kind, w[1], n};
  }
  if (layout == contract::kWeightLayoutKn) return WeightShape{WeightLayout::kKN, w[0], w[1]};
  if (layout == contract::kWeightLayoutNk) return WeightShape{WeightLayout::kNK, w[1], w[0]};
  return ctx.error("weight_layout must be 'nk', 'kn', 'panels8' or 'panels32', got " + quote(layout));
}

Result<std::unique_ptr<OpKernel>> prepare_linear(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, kResidualInput + 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  WT_ASSIGN_OR_RETURN(WeightShape w, read_weight_shape(ctx));
  const Shape& x = ctx.input(0)->shape;
  if (x.back() != w.k) {
    return ctx.error("input features " + std::to_string(x.back()) + " do not match weight shape " +
                     shape_to_string(ctx.input(1)->shape));
  }
  if (const TensorInfo* b = ctx.input(2)) {
    WT_RETURN_IF_ERROR(ctx.expect_input(2, DType::kFloat32, 1, 1));
    if (b->shape[0] != w.n) return ctx.error("bias shape " + shape_to_string(b->shape) + " does not match weight");
  }
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  Shape y = x;
  y.back() = w.n;
  WT_ASSIGN_OR_RETURN(bool residual, read_residual(ctx, y));
  WT_ASSIGN_OR_RETURN(size_t depth_block, ctx.gemm_depth_block());
  ctx.outputs->push_back({DType::kFloat32, y});
  const auto rows = static_cast<size_t>(numel(Shape(x.begin(), x.end() - 1)));
  return make_kernel(
      LinearKernel(ctx, rows, static_cast<size_t>(w.n), static_cast<size_t>(w.k), w.layout, act, residual, depth_block));
}

}  // namespace

extern const OpDef kLinearOp = {
    "linear", prepare_linear, "float32",
    "x[..., K] @ W + b; W as [N, K], [K, N] or, exported, GEMM panels [ceil(N/8), K, 8] or [ceil(N/32), K, 32] "
    "(weight_layout); fused activations; optional residual input 3 of the output's shape; gemm_depth_block "
    "(O3's tuning)"};

}  // namespace wt
