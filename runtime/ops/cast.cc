// cast (torch .to(dtype) / type_as): attribute "dtype" is the target dtype code.
#include "kernels/convert.h"
#include "ops/common/op.h"

namespace wt {
namespace {

class CastKernel final : public OpKernel {
 public:
  CastKernel(DType from, DType to, size_t n) : from_(from), to_(to), n_(n) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(n_, 16384,
                          [&](size_t b, size_t e) { convert_scalar(from_, to_, ctx.inputs[0], ctx.outputs[0], b, e); });
  }

 private:
  DType from_, to_;
  size_t n_;
};

Result<std::unique_ptr<OpKernel>> prepare_cast(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  const TensorInfo* x = ctx.input(0);
  if (x == nullptr) return ctx.error("input 0 is required");
  WT_ASSIGN_OR_RETURN(int64_t code, ctx.node.attributes.get_int("dtype"));
  if (!dtype_is_valid(static_cast<int>(code)) || code != static_cast<int>(code))
    return ctx.error("invalid target dtype " + std::to_string(code));
  const auto to = static_cast<DType>(code);
  if (to == DType::kFloat16 || x->dtype == DType::kFloat16) return ctx.error("float16 casts are not supported yet");
  ctx.outputs->push_back({to, x->shape});
  return make_kernel(CastKernel(x->dtype, to, static_cast<size_t>(numel(x->shape))));
}

}  // namespace

extern const OpDef kCastOp = {"cast", prepare_cast, "float32, int64, int32, int8, uint8, bool",
                              "float -> int truncates; -> bool is != 0"};

}  // namespace wt
