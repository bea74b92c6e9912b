// Standalone activations (those not fused into a producer by the exporter).
#include "kernels/f32_elementwise.h"
#include "ops/op.h"

namespace wt {
namespace {

constexpr size_t kElementwiseChunk = 16384;

class ClampKernel final : public OpKernel {
 public:
  ClampKernel(size_t n, F32MinMax minmax) : n_(n), minmax_(minmax) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(n_, kElementwiseChunk, [&](size_t b, size_t e) {
      f32_vclamp_scalar(e - b, ctx.in_f32(0) + b, minmax_, ctx.out_f32(0) + b);
    });
  }

 private:
  size_t n_;
  F32MinMax minmax_;
};

Result<std::unique_ptr<OpKernel>> prepare_relu(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 0, kMaxRank));
  const TensorInfo& x = *ctx.input(0);
  ctx.outputs->push_back({DType::kFloat32, x.shape});
  F32MinMax relu;
  relu.min = 0.f;
  return make_kernel(ClampKernel(static_cast<size_t>(numel(x.shape)), relu));
}

}  // namespace

extern const OpDef kReluOp = {"relu", prepare_relu, "float32", "max(x, 0)"};

}  // namespace wt
