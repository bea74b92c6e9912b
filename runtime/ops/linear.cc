// linear: y = x @ W^T + b, x [..., K], W [N, K], b [N]; optional fused relu/relu6.
#include "kernels/f32_gemm.h"
#include "ops/fused_activation.h"

namespace wt {
namespace {

class LinearKernel final : public OpKernel {
 public:
  LinearKernel(size_t m, size_t n, size_t k, F32MinMax minmax) : m_(m), n_(n), k_(k), minmax_(minmax) {}

  void run(const RunContext& ctx) const override {
    const F32GemmArgs args{m_, n_, k_, ctx.in_f32(0), k_, ctx.in_f32(1), k_, 1, ctx.in_f32(2), ctx.out_f32(0), n_, minmax_};
    const size_t min_rows = k_ * n_ >= 4096 ? 1 : 16;
    ctx.pool->parallelize(m_, min_rows, [&](size_t begin, size_t end) { f32_gemm_1x4_scalar(args, begin, end); });
  }

 private:
  size_t m_, n_, k_;
  F32MinMax minmax_;
};

Result<std::unique_ptr<OpKernel>> prepare_linear(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 3));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, 2, 2));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  if (x.back() != w[1]) {
    return ctx.error("input features " + std::to_string(x.back()) + " do not match weight shape " + shape_to_string(w));
  }
  if (const TensorInfo* b = ctx.input(2)) {
    WT_RETURN_IF_ERROR(ctx.expect_input(2, DType::kFloat32, 1, 1));
    if (b->shape[0] != w[0]) return ctx.error("bias shape " + shape_to_string(b->shape) + " does not match weight");
  }
  WT_ASSIGN_OR_RETURN(F32MinMax minmax, read_fused_activation(ctx));
  Shape y = x;
  y.back() = w[0];
  ctx.outputs->push_back({DType::kFloat32, y});
  const auto rows = static_cast<size_t>(numel(Shape(x.begin(), x.end() - 1)));
  return make_kernel(LinearKernel(rows, static_cast<size_t>(w[0]), static_cast<size_t>(w[1]), minmax));
}

}  // namespace

extern const OpDef kLinearOp = {"linear", prepare_linear, "float32",
                                "x[..., K] @ W[N, K]^T + b[N]; fused relu/relu6 epilogue"};

}  // namespace wt
