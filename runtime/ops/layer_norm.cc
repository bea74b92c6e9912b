// layer_norm over the last `normalized_ndim` dims: inputs x, weight (optional), bias (optional).
#include "kernels/f32_layer_norm.h"
#include "ops/common/op.h"

namespace wt {
namespace {

class LayerNormKernel final : public OpKernel {
 public:
  LayerNormKernel(F32LayerNormFn fn, size_t rows, size_t cols, float eps) : fn_(fn), rows_(rows), cols_(cols), eps_(eps) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(rows_, 4, [&](size_t b, size_t e) {
      fn_(cols_, eps_, ctx.in_f32(0), ctx.in_f32(1), ctx.in_f32(2), ctx.out_f32(0), b, e);
    });
  }
  Aliasing output_aliasing() const override { return Aliasing::kInPlace; }

 private:
  F32LayerNormFn fn_;
  size_t rows_, cols_;
  float eps_;
};

Result<std::unique_ptr<OpKernel>> prepare_layer_norm(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 3));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(int64_t ndim, ctx.node.attributes.get_int("normalized_ndim"));
  WT_ASSIGN_OR_RETURN(double eps, ctx.node.attributes.get_float("eps", 1e-5));
  if (ndim < 1 || ndim > static_cast<int64_t>(x.size()))
    return ctx.error("normalized_ndim " + std::to_string(ndim) + " does not fit " + shape_to_string(x));
  const Shape normalized(x.end() - ndim, x.end());
  for (size_t i = 1; i < 3; ++i) {
    if (ctx.input(i) == nullptr) continue;
    WT_RETURN_IF_ERROR(ctx.expect_input(i, DType::kFloat32, normalized.size(), normalized.size()));
    if (ctx.input(i)->shape != normalized)
      return ctx.error("input " + std::to_string(i) + " must have shape " + shape_to_string(normalized));
  }
  ctx.outputs->push_back({DType::kFloat32, x});
  const auto cols = static_cast<size_t>(numel(normalized));
  return make_kernel(LayerNormKernel(ctx.kernel_table->layer_norm, cols ? static_cast<size_t>(numel(x)) / cols : 0, cols, static_cast<float>(eps)));
}

}  // namespace

extern const OpDef kLayerNormOp = {"layer_norm", prepare_layer_norm, "float32",
                                   "eps; affine optional; SIMD128 statistics in f32 lanes (scalar build: double)"};

}  // namespace wt
