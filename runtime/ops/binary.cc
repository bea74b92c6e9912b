// Elementwise binary ops with NumPy broadcasting: add, sub, mul, div, maximum, minimum.
#include "kernels/f32_vbinary.h"
#include "ops/broadcast.h"

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
  BinaryOp op;
};

constexpr BinarySpec kBinarySpecs[] = {{"add", BinaryOp::kAdd},         {"sub", BinaryOp::kSub},
                                       {"mul", BinaryOp::kMul},         {"div", BinaryOp::kDiv},
                                       {"maximum", BinaryOp::kMaximum}, {"minimum", BinaryOp::kMinimum}};

Result<std::unique_ptr<OpKernel>> prepare_binary(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 0, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, 0, kMaxRank));
  const Shape& a = ctx.input(0)->shape;
  const Shape& b = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(ctx, a, b));
  for (const BinarySpec& spec : kBinarySpecs) {
    if (ctx.node.op == spec.name) {
      ctx.outputs->push_back({DType::kFloat32, out});
      return make_kernel(BinaryKernel(f32_vbinary_scalar(spec.op), make_broadcast_plan(a, b, out), a == out));
    }
  }
  return ctx.error("is not a binary op");
}

}  // namespace

const std::vector<OpDef>& binary_ops() {
  static const std::vector<OpDef> defs =
      family_defs(kBinarySpecs, prepare_binary, "float32", [](const BinarySpec&) { return "NumPy broadcasting"; });
  return defs;
}

}  // namespace wt
