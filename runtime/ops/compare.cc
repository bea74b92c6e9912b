// Comparisons (eq, ne, lt, le, gt, ge) of float32, int64 or bool with broadcasting -> bool; and where(cond, a, b) over
// equal shapes (the exporter expands operands to the output shape first).
#include "ops/common/broadcast.h"

namespace wt {
namespace {

struct CompareSpec {
  const char* name;
  CompareOp op;
};

constexpr CompareSpec kCompareSpecs[] = {{"eq", CompareOp::kEq}, {"ne", CompareOp::kNe}, {"lt", CompareOp::kLt},
                                         {"le", CompareOp::kLe}, {"gt", CompareOp::kGt}, {"ge", CompareOp::kGe}};

Result<std::unique_ptr<OpKernel>> prepare_compare(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  const TensorInfo* a = ctx.input(0);
  const TensorInfo* b = ctx.input(1);
  if (a == nullptr || b == nullptr) return ctx.error("both inputs are required");
  if (a->dtype != b->dtype || (a->dtype == DType::kFloat16 || a->dtype == DType::kInt8 || a->dtype == DType::kUInt8)) {
    return ctx.error(std::string("compares float32, int64, int32 or bool operands of one dtype, got ") + dtype_name(a->dtype) +
                     " and " + dtype_name(b->dtype));
  }
  WT_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(ctx, a->shape, b->shape));
  for (const CompareSpec& spec : kCompareSpecs) {
    if (ctx.node.op != spec.name) continue;
    ctx.outputs->push_back({DType::kBool, out});
    return make_kernel(TypedBinaryKernel(compare_scalar(spec.op, a->dtype),
                                         make_broadcast_plan(a->shape, b->shape, out), dtype_size(a->dtype), 1));
  }
  return ctx.error("is not a comparison");
}

class WhereKernel final : public OpKernel {
 public:
  WhereKernel(size_t n, size_t element_size) : n_(n), element_size_(element_size) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(n_, 16384, [&](size_t b, size_t e) {
      const size_t es = element_size_;
      select_scalar(
          e - b, es, static_cast<const bool*>(ctx.inputs[0]) + b, static_cast<const uint8_t*>(ctx.inputs[1]) + b * es,
          static_cast<const uint8_t*>(ctx.inputs[2]) + b * es, static_cast<uint8_t*>(ctx.outputs[0]) + b * es);
    });
  }

 private:
  size_t n_, element_size_;
};

Result<std::unique_ptr<OpKernel>> prepare_where(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(3, 3));
  const TensorInfo* c = ctx.input(0);
  const TensorInfo* a = ctx.input(1);
  const TensorInfo* b = ctx.input(2);
  if (!c || !a || !b || c->dtype != DType::kBool) return ctx.error("takes a bool condition and two values");
  if (a->dtype != b->dtype || a->dtype == DType::kFloat16) return ctx.error("values must share a dtype");
  if (c->shape != a->shape || a->shape != b->shape) {
    return ctx.error("operands must have equal shapes, got " + shape_to_string(c->shape) + ", " +
                     shape_to_string(a->shape) + ", " + shape_to_string(b->shape));
  }
  ctx.outputs->push_back({a->dtype, a->shape});
  return make_kernel(WhereKernel(static_cast<size_t>(numel(a->shape)), dtype_size(a->dtype)));
}

std::vector<OpDef> make_compare_defs() {
  std::vector<OpDef> defs = family_defs(kCompareSpecs, prepare_compare, "float32, int64, int32, bool -> bool",
                                        [](const CompareSpec&) { return "NumPy broadcasting"; });
  defs.push_back({"where", prepare_where, "bool condition; values of any dtype", "equal shapes (exporter expands)"});
  return defs;
}

}  // namespace

const std::vector<OpDef>& compare_ops() {
  static const std::vector<OpDef> defs = make_compare_defs();
  return defs;
}

}  // namespace wt
