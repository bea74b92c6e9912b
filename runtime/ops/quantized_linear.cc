// Linear with int8 weights (kernels/qd8_gemm.h): y = dequant(quant(x) @ Wq^T) + b (+ residual),
// optional fused activation. Inputs: 0 x f32 [..., K]; 1 Wq int8 [N, Kp] (Kp = K rounded up to 16,
// zero past K); 2 bias f32 [N] (optional); 3 residual of the output's shape (optional, as
// linear's); 4 the weights' scales f32 [N] (one per output channel). Attribute in_features = K.
// dynamic_quantized_linear quantizes each row of x at run time (its own scale);
// static_quantized_linear with the calibrated input_scale and input_zero_point (attributes).
#include <algorithm>
#include <optional>

#include "kernels/qd8_gemm.h"
#include "ops/common/fused_activation.h"
#include "ops/common/static_quantization.h"

namespace wt {
namespace {

constexpr size_t kWeightScaleInput = 4;
// A task's least work in multiply-adds, so a fork/join is not spent on a sliver of a GEMV.
constexpr size_t kMinTaskMacs = size_t{1} << 15;

class QuantizedLinearKernel final : public OpKernel {
 public:
  // Without `input` (the calibrated quantization), rows are quantized dynamically.
  QuantizedLinearKernel(const KernelTable* kernels, size_t m, size_t n, size_t k, FusedActivation act, bool residual,
                        std::optional<StaticInputQuantization> input)
      : kernels_(kernels), m_(m), n_(n), k_(k), kp_(qd8_padded_k(k)), act_(act), residual_(residual), input_(input) {}

  // The quantized rows (int16, widened once), then their scales.
  size_t workspace_bytes() const override { return scales_offset() + m_ * sizeof(float); }
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  void run(const RunContext& ctx) const override {
    if (residual_) copy_residual(ctx, m_ * n_);
    const float* x = ctx.in_f32(0);
    auto* xq = static_cast<int16_t*>(ctx.workspace);
    auto* x_scale = reinterpret_cast<float*>(static_cast<char*>(ctx.workspace) + scales_offset());
    const auto quantize_rows = [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        int16_t* row = xq + r * kp_;
        if (!input_) {
          x_scale[r] = kernels_->qd8_quantize_row(k_, kp_, x + r * k_, row);
          continue;
        }
        kernels_->qu8_quantize(k_, x + r * k_, input_->params, row);
        std::fill(row + k_, row + kp_, int16_t{0});
        x_scale[r] = input_->scale;
      }
    };
    ctx.pool->parallelize(m_, std::max<size_t>(1, kMinTaskMacs / (k_ + 1)), quantize_rows);

    const auto* w = static_cast<const int8_t*>(ctx.inputs[1]);
    const float* w_scale = ctx.in_f32(kWeightScaleInput);
    const float* bias = ctx.in_f32(2);
    float* y = ctx.out_f32(0);
    // Tasks own groups of output channels across every row: each group's weights are read from
    // memory once and reused from cache by all rows. A single row runs 1x8 tiles, others 2x4.
    const size_t group = m_ == 1 ? kQd8RowNr : kQd8Nr;
    const Qd8GemmFn tile = m_ == 1 ? kernels_->qd8_gemm_1x8 : kernels_->qd8_gemm_2x4;
    const size_t groups = (n_ + group - 1) / group;
    ctx.pool->parallelize(groups, std::max<size_t>(1, kMinTaskMacs / (m_ * kp_ * group)), [&](size_t begin, size_t end) {
      for (size_t g = begin; g < end; ++g) {
        const size_t col = g * group, cols = std::min(group, n_ - col);
        Qd8Output out{nullptr, w_scale + col, bias ? bias + col : nullptr, residual_, act_.minmax};
        for (size_t row = 0; row < m_; row += kQd8Mr) {
          out.a_scale = x_scale + row;
          tile(std::min(kQd8Mr, m_ - row), cols, kp_, xq + row * kp_, kp_, w + col * kp_, kp_, y + row * n_ + col, n_,
               out);
        }
      }
      if (act_.fn) {
        const size_t col = begin * group, cols = std::min(end * group, n_) - col;
        for (size_t row = 0; row < m_; ++row) act_.apply(y + row * n_ + col, cols);
      }
    });
  }

 private:
  size_t scales_offset() const { return (m_ * kp_ * sizeof(int16_t) + 63) / 64 * 64; }

  const KernelTable* kernels_;
  size_t m_, n_, k_, kp_;
  FusedActivation act_;
  bool residual_;
  std::optional<StaticInputQuantization> input_;
};

Result<std::unique_ptr<OpKernel>> prepare_quantized_linear(const PrepareContext& ctx,
                                                           std::optional<StaticInputQuantization> input) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(kWeightScaleInput + 1, kWeightScaleInput + 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kInt8, 2, 2));
  WT_RETURN_IF_ERROR(ctx.expect_input(kWeightScaleInput, DType::kFloat32, 1, 1));
  WT_ASSIGN_OR_RETURN(int64_t k, ctx.node.attributes.get_int("in_features"));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  const int64_t n = w[0];
  if (k < 1 || x.back() != k) {
    return ctx.error("input features " + std::to_string(x.back()) + " do not match in_features " + std::to_string(k));
  }
  if (w[1] != static_cast<int64_t>(qd8_padded_k(static_cast<size_t>(k)))) {
    return ctx.error("int8 weight of shape " + shape_to_string(w) + " is not [N, K rounded up to " +
                     std::to_string(kQd8KBlock) + "] for K = " + std::to_string(k));
  }
  if (ctx.input(kWeightScaleInput)->shape[0] != n) {
    return ctx.error("weight scales of shape " + shape_to_string(ctx.input(kWeightScaleInput)->shape) +
                     " are not one per output channel of the weight " + shape_to_string(w));
  }
  if (const TensorInfo* b = ctx.input(2)) {
    WT_RETURN_IF_ERROR(ctx.expect_input(2, DType::kFloat32, 1, 1));
    if (b->shape[0] != n) return ctx.error("bias shape " + shape_to_string(b->shape) + " does not match weight");
  }
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  Shape y = x;
  y.back() = n;
  WT_ASSIGN_OR_RETURN(bool residual, read_residual(ctx, y));
  ctx.outputs->push_back({DType::kFloat32, y});
  const auto rows = static_cast<size_t>(numel(Shape(x.begin(), x.end() - 1)));
  return make_kernel(
      QuantizedLinearKernel(ctx.kernel_table, rows, static_cast<size_t>(n), static_cast<size_t>(k), act, residual, input));
}

Result<std::unique_ptr<OpKernel>> prepare_dynamic_quantized_linear(const PrepareContext& ctx) {
  return prepare_quantized_linear(ctx, std::nullopt);
}

Result<std::unique_ptr<OpKernel>> prepare_static_quantized_linear(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(StaticInputQuantization input, read_static_input_quantization(ctx));
  return prepare_quantized_linear(ctx, input);
}

}  // namespace

extern const OpDef kDynamicQuantizedLinearOp = {
    "dynamic_quantized_linear", prepare_dynamic_quantized_linear, "float32 (int8 weights)",
    "linear with int8 weights [N, K rounded up to 16] and per-channel scales (input 4); x quantized per row at run "
    "time, int32 sums; fused activations and residual as linear's"};

extern const OpDef kStaticQuantizedLinearOp = {
    "static_quantized_linear", prepare_static_quantized_linear, "float32 (int8 weights)",
    "dynamic_quantized_linear's inputs; x quantized with the calibrated input_scale and input_zero_point (asymmetric "
    "8-bit), int32 sums"};

}  // namespace wt
