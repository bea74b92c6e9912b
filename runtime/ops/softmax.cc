// softmax and log_softmax along attribute "dim" (negative counts from the end).
#include "kernels/f32_softmax.h"
#include "ops/common/op.h"

namespace wt {
namespace {

using SoftmaxFn = F32SoftmaxFn;

class SoftmaxKernel final : public OpKernel {
 public:
  SoftmaxKernel(SoftmaxFn fn, size_t outer, size_t axis, size_t inner)
      : fn_(fn), outer_(outer), axis_(axis), inner_(inner) {}

  void run(const RunContext& ctx) const override {
    if (axis_ == 0) return;  // an empty tensor, whose data may be null: nothing to normalize
    ctx.pool->parallelize(outer_ * inner_, 64, [&](size_t begin, size_t end) {
      for (size_t row = begin; row < end; ++row) {
        const size_t offset = (row / inner_) * axis_ * inner_ + row % inner_;
        fn_(axis_, inner_, ctx.in_f32(0) + offset, ctx.out_f32(0) + offset);
      }
    });
  }

 private:
  SoftmaxFn fn_;
  size_t outer_, axis_, inner_;
};

Result<std::unique_ptr<OpKernel>> prepare_softmax_family(const PrepareContext& ctx, SoftmaxFn fn) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(int64_t dim, ctx.node.attributes.get_int("dim"));
  const auto rank = static_cast<int64_t>(x.size());
  if (dim < -rank || dim >= rank) {
    return ctx.error("dim " + std::to_string(dim) + " is out of range for shape " + shape_to_string(x));
  }
  if (dim < 0) dim += rank;
  ctx.outputs->push_back({DType::kFloat32, x});
  const auto outer = static_cast<size_t>(numel(Shape(x.begin(), x.begin() + dim)));
  const auto inner = static_cast<size_t>(numel(Shape(x.begin() + dim + 1, x.end())));
  return make_kernel(SoftmaxKernel(fn, outer, static_cast<size_t>(x[dim]), inner));
}

Result<std::unique_ptr<OpKernel>> prepare_softmax(const PrepareContext& ctx) {
  return prepare_softmax_family(ctx, ctx.kernel_table->softmax);
}

Result<std::unique_ptr<OpKernel>> prepare_log_softmax(const PrepareContext& ctx) {
  return prepare_softmax_family(ctx, f32_log_softmax_strided_scalar);
}

}  // namespace

extern const OpDef kSoftmaxOp = {"softmax", prepare_softmax, "float32", "max-subtracted for stability"};
extern const OpDef kLogSoftmaxOp = {"log_softmax", prepare_log_softmax, "float32", "x - max - log(sum(exp(x - max)))"};

}  // namespace wt
