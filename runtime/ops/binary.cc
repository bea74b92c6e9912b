// Elementwise add and mul with broadcasting (both commutative, so a broadcast left operand
// swaps into the vector-scalar kernel).
#include "kernels/f32_elementwise.h"
#include "ops/broadcast.h"

namespace wt {
namespace {

using VectorFn = void (*)(size_t, const float*, const float*, float*);
using ScalarFn = void (*)(size_t, const float*, float, float*);

class BinaryKernel final : public OpKernel {
 public:
  BinaryKernel(VectorFn vv, ScalarFn vs, BroadcastPlan plan) : vv_(vv), vs_(vs), plan_(plan) {}

  void run(const RunContext& ctx) const override {
    const float* a = ctx.in_f32(0);
    const float* b = ctx.in_f32(1);
    float* y = ctx.out_f32(0);
    const size_t len = plan_.run_length;
    ctx.pool->parallelize(plan_.runs, 4096 / (len + 1) + 1, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        size_t ao, bo;
        plan_.run_offsets(r, &ao, &bo);
        float* out = y + r * len;
        if (plan_.a_run_stride && plan_.b_run_stride) {
          vv_(len, a + ao, b + bo, out);
        } else if (plan_.a_run_stride) {
          vs_(len, a + ao, b[bo], out);
        } else if (plan_.b_run_stride) {
          vs_(len, b + bo, a[ao], out);
        } else {
          vs_(len, a + ao, b[bo], out);  // both scalar within the run: len is 1
        }
      }
    });
  }

 private:
  VectorFn vv_;
  ScalarFn vs_;
  BroadcastPlan plan_;
};

Result<std::unique_ptr<OpKernel>> prepare_binary(const PrepareContext& ctx, VectorFn vv, ScalarFn vs) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 0, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, 0, kMaxRank));
  const Shape& a = ctx.input(0)->shape;
  const Shape& b = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(ctx, a, b));
  ctx.outputs->push_back({DType::kFloat32, out});
  return make_kernel(BinaryKernel(vv, vs, make_broadcast_plan(a, b, out)));
}

Result<std::unique_ptr<OpKernel>> prepare_add(const PrepareContext& ctx) {
  return prepare_binary(ctx, f32_vadd_scalar, f32_vaddc_scalar);
}

Result<std::unique_ptr<OpKernel>> prepare_mul(const PrepareContext& ctx) {
  return prepare_binary(ctx, f32_vmul_scalar, f32_vmulc_scalar);
}

}  // namespace

extern const OpDef kAddOp = {"add", prepare_add, "float32", "NumPy broadcasting"};
extern const OpDef kMulOp = {"mul", prepare_mul, "float32", "NumPy broadcasting"};

}  // namespace wt
