// reshape (view, flatten, reshape): same elements, new shape given by the "shape" attribute.
#include "ops/common/op.h"

namespace wt {
namespace {

// The planner binds the output to the input's bytes (Aliasing::kView): nothing moves.
class ViewKernel final : public OpKernel {
 public:
  void run(const RunContext&) const override {}
  Aliasing output_aliasing() const override { return Aliasing::kView; }
};

Result<std::unique_ptr<OpKernel>> prepare_reshape(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  const TensorInfo* x = ctx.input(0);
  if (x == nullptr) return ctx.error("input 0 is required");
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ctx.node.attributes.get_ints("shape"));
  Result<int64_t> count = checked_numel(shape);
  if (!count.is_ok() || count.value() != numel(x->shape)) {
    return ctx.error("cannot reshape " + shape_to_string(x->shape) + " into " + shape_to_string(shape));
  }
  ctx.outputs->push_back({x->dtype, shape});
  return make_kernel(ViewKernel());
}

}  // namespace

extern const OpDef kReshapeOp = {"reshape", prepare_reshape, "all", "view/reshape/flatten; static target shape"};

}  // namespace wt
