// batch_norm in inference: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).
// Inputs: x, weight, bias, running_mean, running_var (weight/bias optional).
#include <cmath>

#include "kernels/f32_vscaleshift.h"
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

Result<std::unique_ptr<OpKernel>> prepare_batch_norm(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(5, 5));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 2, kMaxRank));
  const Shape& x = ctx.input(0)->shape;
  for (size_t i = 1; i < 5; ++i) {
    if (ctx.input(i) == nullptr && i >= 3) return ctx.error("running statistics are required");
    if (ctx.input(i) == nullptr) continue;
    WT_RETURN_IF_ERROR(ctx.expect_input(i, DType::kFloat32, 1, 1));
    if (ctx.input(i)->shape[0] != x[1]) {
      return ctx.error("input " + std::to_string(i) + " has shape " + shape_to_string(ctx.input(i)->shape) +
                       ", expected [" + std::to_string(x[1]) + "]");
    }
  }
  WT_ASSIGN_OR_RETURN(double eps, ctx.node.attributes.get_float("eps", 1e-5));
  if (!(eps >= 0)) return ctx.error("eps must be non-negative");
  ctx.outputs->push_back({DType::kFloat32, x});
  const auto plane = static_cast<size_t>(numel(Shape(x.begin() + 2, x.end())));
  return make_kernel(
      BatchNormKernel(static_cast<size_t>(x[0]), static_cast<size_t>(x[1]), plane, static_cast<float>(eps)));
}

}  // namespace

extern const OpDef kBatchNormOp = {"batch_norm", prepare_batch_norm, "float32",
                                   "inference only (running statistics); usually folded into conv by the exporter"};

}  // namespace wt
