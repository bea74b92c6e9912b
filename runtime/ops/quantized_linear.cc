// Linear with int8 weights (kernels/qd8_gemm.h): y = dequant(quant(x) @ Wq^T) + b (+ residual),
// optional fused activation. Inputs: 0 x f32 [..., K]; 1 Wq int8 [N, Kp] (Kp = K rounded up to 16,
// zero past K); 2 bias f32 [N] (optional); 3 residual of the output's shape (optional, as
// linear's); 4 the weights' scales f32 [N] (one per output channel). Attribute in_features = K.
// dynamic_quantized_linear quantizes each row of x at run time (its own scale);
// static_quantized_linear with the calibrated input_scale, input_zero_point, input_bits and
// input_max (attributes). Where the kernel table has the byte tiles (relaxed SIMD's int8 dot), both run on
// them (fewer than 4 rows on the single-row tiles), the weights re-laid in quads when the op is
// prepared: 7-bit static inputs one dot a quad; dynamic rows (q + 127) and static 8-bit ones of
// at most 254 (input_max) as two 7-bit halves, two (the split tile).
#include <algorithm>
#include <optional>
#include <utility>

#include "kernels/qd8_gemm.h"
#include "ops/common/fused_activation.h"
#include "ops/common/static_quantization.h"

namespace wt {
namespace {

constexpr size_t kWeightScaleInput = 4;
// A task's least work in multiply-adds, so a fork/join is not spent on a sliver of a GEMV.
constexpr size_t kMinTaskMacs = size_t{1} << 15;
// Items a task takes when each costs `macs` multiply-adds (any count, 0 included: empty inputs).
size_t task_grain(size_t macs) { return std::max<size_t>(1, kMinTaskMacs / std::max<size_t>(1, macs)); }
// Fewer rows run one at a time on the byte tiles' single-row tile: the 5-row tile would spend as
// many dots on 3 rows as on 5.
constexpr size_t kMinByteTileRows = 4;

class QuantizedLinearKernel final : public OpKernel {
 public:
  // Without `input` (the calibrated quantization), rows are quantized dynamically; with `bytes`,
  // they run a byte tile: the split one when `split` (dynamic rows, static 8-bit ones), else the
  // 7-bit one.
  QuantizedLinearKernel(const KernelTable* kernels, size_t m, size_t n, size_t k, FusedActivation act, bool residual,
                        std::optional<ActivationQuantization> input, std::shared_ptr<const BytePanels> bytes,
                        bool split)
      : kernels_(kernels),
        m_(m),
        n_(n),
        k_(k),
        kp_(bytes ? bytes->kp : qd8_padded_k(k)),
        act_(act),
        residual_(residual),
        input_(input),
        bytes_(std::move(bytes)),
        split_(split) {}

  // The quantized rows (int16, widened once, or bytes), then their scales.
  size_t workspace_bytes() const override { return scales_offset() + m_ * sizeof(float); }
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  void run(const RunContext& ctx) const override {
    if (residual_) copy_residual(ctx, m_ * n_);
    if (bytes_) return run_byte_tile(ctx);
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
    ctx.pool->parallelize(m_, task_grain(k_), quantize_rows);

    const auto* w = static_cast<const int8_t*>(ctx.inputs[1]);
    const float* w_scale = ctx.in_f32(kWeightScaleInput);
    const float* bias = ctx.in_f32(2);
    float* y = ctx.out_f32(0);
    // Tasks own groups of output channels across every row: each group's weights are read from
    // memory once and reused from cache by all rows. A single row runs 1x8 tiles, others 2x4.
    const size_t group = m_ == 1 ? kQd8RowNr : kQd8Nr;
    const Qd8GemmFn tile = m_ == 1 ? kernels_->qd8_gemm_1x8 : kernels_->qd8_gemm_2x4;
    const size_t groups = (n_ + group - 1) / group;
    ctx.pool->parallelize(groups, task_grain(m_ * kp_ * group), [&](size_t begin, size_t end) {
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
  // A quantized row's bytes: int16 values; on the byte tiles bytes, or (dynamic) two halves a value.
  size_t row_bytes() const { return !bytes_ ? kp_ * sizeof(int16_t) : split_ ? 2 * kp_ : kp_; }
  size_t scales_offset() const { return aligned_size(m_ * row_bytes()); }

  // Rows as bytes (zero past K) and their scales, then tasks of 8-channel panels across every row.
  void run_byte_tile(const RunContext& ctx) const {
    const float* x = ctx.in_f32(0);
    auto* xu = static_cast<uint8_t*>(ctx.workspace);
    const size_t lda = row_bytes();
    auto* x_scale = reinterpret_cast<float*>(static_cast<char*>(ctx.workspace) + scales_offset());
    ctx.pool->parallelize(m_, task_grain(k_), [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        if (!input_) {
          x_scale[r] = kernels_->qd8_quantize_row_to_halves(k_, kp_, x + r * k_, xu + r * lda);
          continue;
        }
        if (split_) {
          kernels_->qu8_quantize_row_to_halves(k_, kp_, x + r * k_, input_->params, xu + r * lda);
        } else {
          kernels_->qu8_quantize_to_u8(k_, x + r * k_, input_->params, xu + r * lda);
          std::fill(xu + r * lda + k_, xu + (r + 1) * lda, uint8_t{0});
        }
        x_scale[r] = input_->scale;
      }
    });
    const bool single = m_ < kMinByteTileRows;
    const Qu8PanelGemmFn tile = split_ ? (single ? kernels_->qu8_gemm_1x8c4_split : kernels_->qu8_gemm_5x8c4_split)
                                       : (single ? kernels_->qu8_gemm_1x8c4 : kernels_->qu8_gemm_5x8c4);
    const size_t tile_rows = single ? 1 : kQu8PanelMr;
    const float* w_scale = ctx.in_f32(kWeightScaleInput);
    const float* bias = ctx.in_f32(2);
    float* y = ctx.out_f32(0);
    const size_t panels = (n_ + kQd8PanelNr - 1) / kQd8PanelNr;
    const size_t grain = task_grain(m_ * kp_ * kQd8PanelNr);
    ctx.pool->parallelize(panels, grain, [&](size_t begin, size_t end) {
      for (size_t p = begin; p < end; ++p) {
        const size_t col = p * kQd8PanelNr, cols = std::min(kQd8PanelNr, n_ - col);
        Qd8Output out{nullptr, w_scale + col, bias ? bias + col : nullptr, residual_, act_.minmax,
                      bytes_->offsets() + col};
        for (size_t row = 0; row < m_; row += tile_rows) {
          out.a_scale = x_scale + row;
          tile(std::min(tile_rows, m_ - row), cols, kp_, xu + row * lda, lda, bytes_->panels() + col * kp_,
               y + row * n_ + col, n_, out);
        }
      }
      if (act_.fn) {
        const size_t col = begin * kQd8PanelNr, cols = std::min(end * kQd8PanelNr, n_) - col;
        for (size_t row = 0; row < m_; ++row) act_.apply(y + row * n_ + col, cols);
      }
    });
  }

  const KernelTable* kernels_;
  size_t m_, n_, k_, kp_;
  FusedActivation act_;
  bool residual_;
  std::optional<ActivationQuantization> input_;
  std::shared_ptr<const BytePanels> bytes_;  // null off the byte tiles
  bool split_;                               // rows as two 7-bit halves a value, on the split tile
};

Result<std::unique_ptr<OpKernel>> prepare_quantized_linear(const PrepareContext& ctx,
                                                           std::optional<ActivationQuantization> input) {
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
  const bool split = !(input && runs_byte_tile(ctx, *input)) && runs_split_byte_tile(ctx, input);
  const bool byte_tile = split || (input && runs_byte_tile(ctx, *input));
  std::shared_ptr<const BytePanels> bytes;
  if (byte_tile) {
    const auto* from = static_cast<const int8_t*>(ctx.input(1)->constant_data);
    const size_t ldw = static_cast<size_t>(w[1]);
    WT_ASSIGN_OR_RETURN(bytes, byte_panels(ctx, static_cast<size_t>(n), static_cast<size_t>(k),
                                           input ? input->zero_point : kQd8ByteZeroPoint,
                                           [&](size_t j, size_t i) { return from[j * ldw + i]; }));
  }
  return make_kernel(QuantizedLinearKernel(ctx.kernel_table, rows, static_cast<size_t>(n), static_cast<size_t>(k), act,
                                           residual, input, std::move(bytes), split));
}

Result<std::unique_ptr<OpKernel>> prepare_dynamic_quantized_linear(const PrepareContext& ctx) {
  return prepare_quantized_linear(ctx, std::nullopt);
}

Result<std::unique_ptr<OpKernel>> prepare_static_quantized_linear(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(ActivationQuantization input, read_static_input_quantization(ctx));
  return prepare_quantized_linear(ctx, input);
}

}  // namespace

extern const OpDef kDynamicQuantizedLinearOp = {
    "dynamic_quantized_linear", prepare_dynamic_quantized_linear, "float32 (int8 weights)",
    "linear with int8 weights [N, K rounded up to 16] and per-channel scales (input 4); x quantized per row at run "
    "time, int32 sums (relaxed SIMD's int8 dot where the engine's is exact); fused activations and "
    "residual as linear's"};

extern const OpDef kStaticQuantizedLinearOp = {
    "static_quantized_linear", prepare_static_quantized_linear, "float32 (int8 weights)",
    "dynamic_quantized_linear's inputs; x quantized with the calibrated input_scale, input_zero_point, input_bits "
    "and input_max (asymmetric 8- or 7-bit; 7-bit inputs, and 8-bit ones of at most 254 as two 7-bit halves: "
    "relaxed SIMD's int8 dot where the engine's is exact), int32 sums"};

}  // namespace wt
