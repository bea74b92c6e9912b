// Elementwise binary ops with NumPy broadcasting: float32 arithmetic (add, sub, mul, div, maximum,
// minimum, pow, atan2, fmod, remainder, floor_divide), and on int64 and bool operands the integer,
// bitwise and logical ones (ops/common/broadcast.h's TypedBinaryKernel).
#include "kernels/f32_vbinary.h"
#include "ops/common/broadcast.h"

namespace wt {
namespace {

class BinaryKernel final : public OpKernel {
 public:
  // a_is_full: input 0 has the output's shape, so element i of both is at the same index.
  BinaryKernel(F32BinaryKernels k, BroadcastPlan plan, bool a_is_full) : k_(k), plan_(plan), a_is_full_(a_is_full) {}

  Aliasing output_aliasing() const override { return a_is_full_ ? Aliasing::kInPlace : Aliasing::kNone; }

  void run(const RunContext& ctx) const override {
    const float* a = ctx.in_f32(0);
    const float* b = ctx.in_f32(1);
    float* y = ctx.out_f32(0);
    plan_.parallel_segments(*ctx.pool, [&](const BroadcastPlan::Segment& s) {
      float* out = y + s.out;
      if (plan_.a_run_stride && plan_.b_run_stride) {
        k_.vv(s.count, a + s.a_off, b + s.b_off, out);
      } else if (plan_.b_run_stride) {
        k_.sv(s.count, a[s.a_off], b + s.b_off, out);
      } else {
        k_.vs(s.count, a + s.a_off, b[s.b_off], out);  // also both scalar within the run (length 1)
      }
    });
  }

 private:
  F32BinaryKernels k_;
  BroadcastPlan plan_;
  bool a_is_full_;
};

struct BinarySpec {
  const char* name;
  BinaryOp op;                // kNone: no float32 form
  bool has_integer;           // int64 (and bool where integer_binary_scalar defines it)
  IntegerOp integer_op;
  const char* notes;
};

constexpr BinarySpec kBinarySpecs[] = {
    {"add", BinaryOp::kAdd, true, IntegerOp::kAdd, "float32, int64, int32"},
    {"sub", BinaryOp::kSub, true, IntegerOp::kSub, "float32, int64, int32"},
    {"mul", BinaryOp::kMul, true, IntegerOp::kMul, "float32, int64, int32"},
    {"div", BinaryOp::kDiv, false, IntegerOp::kAdd, "float32 (true division)"},
    {"maximum", BinaryOp::kMaximum, true, IntegerOp::kMaximum, "float32 (NaN propagates), int64, int32, bool"},
    {"minimum", BinaryOp::kMinimum, true, IntegerOp::kMinimum, "float32 (NaN propagates), int64, int32, bool"},
    {"pow", BinaryOp::kPow, false, IntegerOp::kAdd, "float32"},
    {"atan2", BinaryOp::kAtan2, false, IntegerOp::kAdd, "float32"},
    {"fmod", BinaryOp::kFmod, false, IntegerOp::kAdd, "float32 (C's fmod: the dividend's sign)"},
    {"remainder", BinaryOp::kRemainder, true, IntegerOp::kRemainder, "float32, int64, int32 (Python's: the divisor's sign)"},
    {"floor_divide", BinaryOp::kFloorDivide, true, IntegerOp::kFloorDivide,
     "float32, int64, int32 (rounds toward -inf; an integer by 0 gives 0)"},
    {"bitwise_and", BinaryOp::kNone, true, IntegerOp::kAnd, "int64, int32, bool"},
    {"bitwise_or", BinaryOp::kNone, true, IntegerOp::kOr, "int64, int32, bool"},
    {"bitwise_xor", BinaryOp::kNone, true, IntegerOp::kXor, "int64, int32, bool"},
};

Result<std::unique_ptr<OpKernel>> prepare_binary(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  const TensorInfo* x = ctx.input(0);
  const TensorInfo* y = ctx.input(1);
  if (x == nullptr || y == nullptr) return ctx.error("both inputs are required");
  const BinarySpec* spec = nullptr;
  for (const BinarySpec& s : kBinarySpecs) {
    if (ctx.node.op == s.name) spec = &s;
  }
  if (spec == nullptr) return ctx.error("is not a binary op");
  const DType dtype = x->dtype;
  if (y->dtype != dtype) {
    return ctx.error(std::string("operands must share a dtype, got ") + dtype_name(dtype) + " and " +
                     dtype_name(y->dtype));
  }
  const TypedBinaryKernels integer =
      spec->has_integer ? integer_binary_scalar(spec->integer_op, dtype) : TypedBinaryKernels{};
  const bool float_form = dtype == DType::kFloat32 && spec->op != BinaryOp::kNone;
  if (!float_form && integer.vv == nullptr) {
    return ctx.error(std::string("does not take ") + dtype_name(dtype) + " operands (" + spec->notes + ")");
  }
  const Shape& a = x->shape;
  const Shape& b = y->shape;
  WT_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(ctx, a, b));
  ctx.outputs->push_back({dtype, out});
  if (float_form) {
    return make_kernel(BinaryKernel(f32_vbinary_scalar(spec->op), make_broadcast_plan(a, b, out), a == out));
  }
  return make_kernel(TypedBinaryKernel(integer, make_broadcast_plan(a, b, out), dtype_size(dtype), dtype_size(dtype)));
}

}  // namespace

const std::vector<OpDef>& binary_ops() {
  static const std::vector<OpDef> defs =
      family_defs(kBinarySpecs, prepare_binary, "see notes", [](const BinarySpec& s) { return s.notes; });
  return defs;
}

}  // namespace wt
