// reshape (view, flatten, reshape): same elements, new shape given by the "shape" attribute.
#include <cstring>

#include "ops/op.h"

namespace wt {
namespace {

class CopyKernel final : public OpKernel {
 public:
  explicit CopyKernel(size_t bytes) : bytes_(bytes) {}
  void run(const RunContext& ctx) const override {
    if (ctx.outputs[0] != ctx.inputs[0] && bytes_) std::memcpy(ctx.outputs[0], ctx.inputs[0], bytes_);
  }

 private:
  size_t bytes_;
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
  return make_kernel(CopyKernel(x->byte_size()));
}

}  // namespace

extern const OpDef kReshapeOp = {"reshape", prepare_reshape, "all", "view/reshape/flatten; static target shape"};

}  // namespace wt
