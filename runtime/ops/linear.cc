// linear: y = x @ W^T + b (+ residual), x [..., K], b [N], residual [..., N]; optional fused
// activation (of the sum). The weight comes in one
// of four layouts (attribute weight_layout): PyTorch's [N, K] ("nk"), [K, N] ("kn"), or what the
// exporter writes: "panels8", the GEMM's own panel layout [ceil(N/8), K, 8], which every run reads
// in place with no packing, or, for inputs of 1-3 rows, "panels32" ([ceil(N/32), K, 32]), which
// those rows stream as one (columns past N zero, N in attribute out_features). A "panels32" weight
// may be float16 (quantize_for_wasm "fp16"): streamed in half (f32_f16w_gemm_1x32), 32 columns a
// call, the column groups over the pool; the model expands every other float16 linear weight (and
// those holding subnormals) to float32 when it loads.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "gemm/gemm_driver.h"
#include "ops/common/fused_activation.h"

namespace wt {
namespace {

enum class WeightLayout { kNK, kKN, kPanels8, kPanels32 };

// x times kHalfRebias into `scaled`, or, for a row whose largest magnitude is 2^16 or more (the
// product would overflow), times kHalfRebias / 2^e for the e that keeps it finite: returns 2^e,
// the sums' out_scale. Infinities and NaN pass as they are.
float rebias_row(const float* x, size_t k, float* scaled) {
  float largest = 0.f;
  for (size_t p = 0; p < k; ++p) largest = std::max(largest, std::fabs(x[p]));  // NaN: ignored
  int exponent = 0;
  if (std::isfinite(largest)) std::frexp(largest, &exponent);  // largest < 2^exponent
  const int excess = std::max(0, exponent - 16);
  const float scale = std::ldexp(kHalfRebias, -excess);
  for (size_t p = 0; p < k; ++p) scaled[p] = x[p] * scale;
  return std::ldexp(1.f, excess);
}

size_t panel_width(WeightLayout layout) { return layout == WeightLayout::kPanels32 ? PanelB::kQuadWidth : kGemmNr; }

class LinearKernel final : public OpKernel {
 public:
  LinearKernel(const PrepareContext& ctx, size_t m, size_t n, size_t k, WeightLayout layout, bool half,
               FusedActivation act, bool residual, size_t depth_block)
      : kernels_(ctx.kernel_table), m_(m), n_(n), k_(k), layout_(layout), half_(half), act_(act), residual_(residual) {
    if (half_) return;  // streamed by run_half(), no GEMM plan
    GemmShape shape{m, n, k};
    shape.depth_block = depth_block;
    shape.b = in_panels() ? GemmBStorage::kPanels : DenseB::storage(b_stride_n());
    shape.b_panel_width = panel_width(layout);
    shape.accumulate = residual;
    plan_ = plan_gemm(shape, *kernels_, ctx.threads);
  }

  // Half weights: the rows of x times the rebias and their output scales (f32_gemm.h).
  size_t workspace_bytes() const override { return half_ ? m_ * (k_ + 1) * sizeof(float) : plan_.workspace_bytes; }
  // Each output is read (accumulated onto) by the one task that writes it.
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  void run(const RunContext& ctx) const override {
    if (residual_) copy_residual(ctx, m_ * n_);
    if (half_) {
      run_half(ctx);
      return;
    }
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

  // Each row of x times the rebias into the workspace (its out_scale after the rows), then the
  // 32-column groups over the pool, each streaming its weights once per row.
  void run_half(const RunContext& ctx) const {
    auto* scaled = static_cast<float*>(ctx.workspace);
    float* out_scales = scaled + m_ * k_;
    for (size_t i = 0; i < m_; ++i) out_scales[i] = rebias_row(ctx.in_f32(0) + i * k_, k_, scaled + i * k_);
    const auto* w = static_cast<const uint16_t*>(ctx.inputs[1]);
    const float* bias = ctx.in_f32(2);
    float* y = ctx.out_f32(0);
    constexpr size_t kGroup = PanelB::kQuadWidth;
    ctx.pool->parallelize(ceil_div(n_, kGroup), 1, [&](size_t begin, size_t end) {
      for (size_t g = begin; g < end; ++g) {
        const size_t n0 = g * kGroup, cols = std::min(kGroup, n_ - n0);
        // A last group narrower than 32 runs on copies of its outputs and biases.
        float tile_c[kGroup] = {}, tile_bias[kGroup] = {};
        F32GemmOutput out;
        out.accumulate = residual_;
        out.minmax = act_.minmax;
        if (bias) {
          std::memcpy(tile_bias, bias + n0, cols * sizeof(float));
          out.col_bias = cols == kGroup ? bias + n0 : tile_bias;
        }
        for (size_t i = 0; i < m_; ++i) {
          float* c = y + i * n_ + n0;
          if (cols == kGroup) {
            kernels_->f16w_gemm_1x32(k_, scaled + i * k_, w + n0 * k_, out_scales[i], c, out);
          } else {
            std::memcpy(tile_c, c, cols * sizeof(float));
            kernels_->f16w_gemm_1x32(k_, scaled + i * k_, w + n0 * k_, out_scales[i], tile_c, out);
            std::memcpy(c, tile_c, cols * sizeof(float));
          }
          if (act_.fn) act_.fn(cols, c, c, UnaryParams{});
        }
      }
    });
  }

 private:
  bool in_panels() const { return layout_ == WeightLayout::kPanels8 || layout_ == WeightLayout::kPanels32; }
  size_t b_stride_n() const { return layout_ == WeightLayout::kKN ? 1 : k_; }

  const KernelTable* kernels_;
  size_t m_, n_, k_;
  WeightLayout layout_;
  bool half_;
  FusedActivation act_;
  bool residual_;
  GemmPlan plan_;
};

struct WeightShape {
  WeightLayout layout;
  bool half;
  int64_t k, n;
};

// A float16 weight: a panels32 constant the model kept in half to stream (it expanded every other
// one when it loaded, and checked the halves).
Status check_half_weight(const PrepareContext& ctx, const std::string& layout) {
  const TensorInfo& w = *ctx.input(1);
  if (layout != contract::kWeightLayoutPanels32 || !w.is_constant) {
    return ctx.error("a float16 weight must be a constant in the panels32 layout, got " +
                     std::string(w.is_constant ? "weight_layout " + quote(layout) : "a computed tensor"));
  }
  return Status::ok();
}

Result<WeightShape> read_weight_shape(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("weight_layout", contract::kWeightLayoutNk));
  const bool panels = layout == contract::kWeightLayoutPanels8 || layout == contract::kWeightLayoutPanels32;
  const size_t rank = panels ? 3 : 2;
  const TensorInfo* weight = ctx.input(1);
  const bool half = weight && weight->dtype == DType::kFloat16;
  if (half) WT_RETURN_IF_ERROR(check_half_weight(ctx, layout));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, half ? DType::kFloat16 : DType::kFloat32, rank, rank));
  const Shape& w = weight->shape;
  if (panels) {
    const WeightLayout kind = layout == contract::kWeightLayoutPanels8 ? WeightLayout::kPanels8 : WeightLayout::kPanels32;
    const auto width = static_cast<int64_t>(panel_width(kind));
    WT_ASSIGN_OR_RETURN(int64_t n, ctx.node.attributes.get_int("out_features"));
    if (w[2] != width || n < 1 || w[0] != (n - 1) / width + 1) {
      return ctx.error(layout + " weight of shape " + shape_to_string(w) + " does not hold " + std::to_string(n) +
                       " output features as [ceil(N/" + std::to_string(width) + "), K, " + std::to_string(width) +
                       "]");
    }
    return WeightShape{kind, half, w[1], n};
  }
  if (layout == contract::kWeightLayoutKn) return WeightShape{WeightLayout::kKN, false, w[0], w[1]};
  if (layout == contract::kWeightLayoutNk) return WeightShape{WeightLayout::kNK, false, w[1], w[0]};
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
      LinearKernel(ctx, rows, static_cast<size_t>(w.n), static_cast<size_t>(w.k), w.layout, w.half, act, residual,
                   depth_block));
}

}  // namespace

extern const OpDef kLinearOp = {
    "linear", prepare_linear, "float32",
    "x[..., K] @ W + b; W as [N, K], [K, N] or, exported, GEMM panels [ceil(N/8), K, 8] or [ceil(N/32), K, 32] "
    "(weight_layout); fused activations; optional residual input 3 of the output's shape; gemm_depth_block "
    "(O3's tuning, at the pool sizes in tuned_threads where set)"};

}  // namespace wt
