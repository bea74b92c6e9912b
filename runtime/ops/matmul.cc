// matmul (torch.matmul / bmm / mm of activations): [..., M, K] x [..., K, N] with the batch
// dims broadcast; 1-d operands are promoted by the exporter.
#include "gemm/gemm_driver.h"
#include "ops/common/broadcast.h"

namespace wt {
namespace {

class MatmulKernel final : public OpKernel {
 public:
  MatmulKernel(const PrepareContext& ctx, size_t m, size_t n, size_t k, BroadcastPlan batch)
      : kernels_(ctx.kernel_table), batch_(batch) {
    const GemmShape shape{m, n, k, GemmBStorage::kRows};
    // Many small products (attention heads): one task per product. Few large ones: split each.
    per_product_tasks_ = batches() >= 2 * ctx.threads && m * n * k <= (size_t{1} << 20);
    plan_ = per_product_tasks_ ? plan_gemm_serial(shape) : plan_gemm(shape, *kernels_, ctx.threads);
  }

  size_t workspace_bytes() const override { return plan_.workspace_bytes; }

  void run(const RunContext& ctx) const override {
    const size_t m = plan_.shape.m, n = plan_.shape.n, k = plan_.shape.k;
    auto multiply = [&](size_t bi) {
      size_t ao, bo;
      batch_.run_offsets(bi / batch_.run_length, &ao, &bo);
      const size_t within = bi % batch_.run_length;
      ao += within * batch_.a_run_stride;
      bo += within * batch_.b_run_stride;
      GemmArgs args{kernels_, ctx.in_f32(0) + ao * m * k, k, ctx.out_f32(0) + bi * m * n, n};
      args.workspace = static_cast<float*>(ctx.workspace);
      run_gemm(plan_, args, DenseB(ctx.in_f32(1) + bo * k * n, 1, n), *ctx.pool);
    };
    if (per_product_tasks_) {
      ctx.pool->parallelize(batches(), 1, [&](size_t begin, size_t end) {
        for (size_t bi = begin; bi < end; ++bi) multiply(bi);
      });
    } else {
      for (size_t bi = 0; bi < batches(); ++bi) multiply(bi);
    }
  }

 private:
  size_t batches() const { return batch_.runs * batch_.run_length; }

  const KernelTable* kernels_;
  BroadcastPlan batch_;  // over batch dims, in units of whole matrices
  bool per_product_tasks_;
  GemmPlan plan_;
};

Result<std::unique_ptr<OpKernel>> prepare_matmul(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 2, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, 2, kMaxRank));
  const Shape& a = ctx.input(0)->shape;
  const Shape& b = ctx.input(1)->shape;
  const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  if (b[b.size() - 2] != k) {
    return ctx.error("cannot multiply " + shape_to_string(a) + " by " + shape_to_string(b) + ": inner dims differ");
  }
  const Shape a_batch(a.begin(), a.end() - 2), b_batch(b.begin(), b.end() - 2);
  WT_ASSIGN_OR_RETURN(Shape batch, broadcast_shapes(ctx, a_batch, b_batch));
  Shape out = batch;
  out.push_back(m);
  out.push_back(n);
  ctx.outputs->push_back({DType::kFloat32, out});
  return make_kernel(MatmulKernel(ctx, static_cast<size_t>(m), static_cast<size_t>(n), static_cast<size_t>(k),
                                  make_broadcast_plan(a_batch, b_batch, batch)));
}

}  // namespace

extern const OpDef kMatmulOp = {"matmul", prepare_matmul, "float32", "[..., M, K] x [..., K, N], batch dims broadcast"};

}  // namespace wt
