// batch_norm in inference: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).
// Inputs: x, weight, bias, running_mean, running_var (weight/bias optional).
// channel_affine: its channels-last form, which the exporter's to_nhwc writes for a batch norm no
// convolution absorbs (DenseNet's before each layer), the statistics folded into a scale and a shift
// and the ReLU after it fused: y = activation(x * scale + shift) over the last dim.
#include <algorithm>
#include <cmath>

#include "kernels/f32_vscaleshift.h"
#include "ops/common/fused_activation.h"
#include "ops/common/op.h"

namespace wt {
namespace {

class BatchNormKernel final : public OpKernel {
 public:
  BatchNormKernel(size_t batch, size_t channels, size_t plane, float eps)
      : batch_(batch), channels_(channels), plane_(plane), eps_(eps) {}

  void run(const RunContext& ctx) const override {
    const float* w = ctx.in_f32(1);
    const float* b = ctx.in_f32(2);
    const float* mean = ctx.in_f32(3);
    const float* var = ctx.in_f32(4);
    ctx.pool->parallelize(batch_ * channels_, 1, [&](size_t begin, size_t end) {
      for (size_t p = begin; p < end; ++p) {
        const size_t c = p % channels_;
        const float scale = (w ? w[c] : 1.f) / std::sqrt(var[c] + eps_);
        const float shift = (b ? b[c] : 0.f) - mean[c] * scale;
        f32_vscaleshift_scalar(plane_, ctx.in_f32(0) + p * plane_, scale, shift, ctx.out_f32(0) + p * plane_);
      }
    });
  }

 private:
  size_t batch_, channels_, plane_;
  float eps_;
};

// Input i: a float32 vector of one value per channel.
Status expect_channel_vector(const PrepareContext& ctx, size_t i, int64_t channels) {
  WT_RETURN_IF_ERROR(ctx.expect_input(i, DType::kFloat32, 1, 1));
  if (ctx.input(i)->shape[0] != channels) {
    return ctx.error("input " + std::to_string(i) + " has shape " + shape_to_string(ctx.input(i)->shape) +
                     ", expected [" + std::to_string(channels) + "], one value per channel");
  }
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> prepare_batch_norm(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(5, 5));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 2, kMaxRank));
  const Shape& x = ctx.input(0)->shape;
  for (size_t i = 1; i < 5; ++i) {
    if (ctx.input(i) == nullptr && i >= 3) return ctx.error("running statistics are required");
    if (ctx.input(i) != nullptr) WT_RETURN_IF_ERROR(expect_channel_vector(ctx, i, x[1]));
  }
  WT_ASSIGN_OR_RETURN(double eps, ctx.node.attributes.get_float("eps", 1e-5));
  if (!(eps >= 0)) return ctx.error("eps must be non-negative");
  ctx.outputs->push_back({DType::kFloat32, x});
  const auto plane = static_cast<size_t>(numel(Shape(x.begin() + 2, x.end())));
  return make_kernel(
      BatchNormKernel(static_cast<size_t>(x[0]), static_cast<size_t>(x[1]), plane, static_cast<float>(eps)));
}

// Rows of the last dim over the pool, each row one pass: scale, shift, clamp (and a fused function
// on the finished chunk while it is in cache).
class ChannelAffineKernel final : public OpKernel {
 public:
  // Rows a task takes at least: a row is a few dozen to a few hundred channels.
  static constexpr size_t kMinRowsPerTask = 16;

  ChannelAffineKernel(F32VScaleShiftChannelsFn kernel, size_t rows, size_t channels, FusedActivation act)
      : kernel_(kernel), rows_(rows), channels_(channels), act_(act) {}

  Aliasing output_aliasing() const override { return Aliasing::kInPlace; }

  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(rows_, kMinRowsPerTask, [&](size_t begin, size_t end) {
      float* y = ctx.out_f32(0) + begin * channels_;
      kernel_(end - begin, channels_, ctx.in_f32(0) + begin * channels_, ctx.in_f32(1), ctx.in_f32(2), act_.minmax, y);
      act_.apply(y, (end - begin) * channels_);
    });
  }

 private:
  F32VScaleShiftChannelsFn kernel_;
  size_t rows_, channels_;
  FusedActivation act_;
};

Result<std::unique_ptr<OpKernel>> prepare_channel_affine(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(3, 3));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  const Shape& x = ctx.input(0)->shape;
  for (size_t i = 1; i < 3; ++i) WT_RETURN_IF_ERROR(expect_channel_vector(ctx, i, x.back()));
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  ctx.outputs->push_back({DType::kFloat32, x});
  const auto channels = static_cast<size_t>(x.back());
  const size_t rows = channels == 0 ? 0 : static_cast<size_t>(numel(x)) / channels;
  return make_kernel(ChannelAffineKernel(ctx.kernel_table->vscaleshift_channels, rows, channels, act));
}

}  // namespace

extern const OpDef kChannelAffineOp = {"channel_affine", prepare_channel_affine, "float32",
                                       "channels last: activation(x * scale + shift) over the last dim; inputs x, scale, "
                                       "shift ([C]); to_nhwc's form of a batch norm no convolution absorbs"};

extern const OpDef kBatchNormOp = {"batch_norm", prepare_batch_norm, "float32",
                                   "inference only (running statistics); usually folded into conv by the exporter"};

}  // namespace wt
