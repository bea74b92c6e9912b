// matmul (torch.matmul / bmm / mm of activations): [..., M, K] x [..., K, N] with the batch
// dims broadcast; 1-d operands are promoted by the exporter.
#include "ops/gemm.h"
#include "ops/broadcast.h"

namespace wt {
namespace {

class MatmulKernel final : public OpKernel {
 public:
  MatmulKernel(const KernelTable* kernels, size_t m, size_t n, size_t k, BroadcastPlan batch)
      : kernels_(kernels), m_(m), n_(n), k_(k), batch_(batch) {}

  void run(const RunContext& ctx) const override {
    const size_t batches = batch_.runs * batch_.run_length;
    auto multiply = [&](size_t bi, bool in_parallel) {
      size_t ao, bo;
      batch_.run_offsets(bi / batch_.run_length, &ao, &bo);
      const size_t within = bi % batch_.run_length;
      ao += within * batch_.a_run_stride;
      bo += within * batch_.b_run_stride;
      const DenseB b(ctx.in_f32(1) + bo * k_ * n_, 1, n_, n_);
      GemmProblem p{m_, n_, k_, ctx.in_f32(0) + ao * m_ * k_, k_, ctx.out_f32(0) + bi * m_ * n_, n_};
      p.kernel_table = kernels_;
      if (in_parallel) {
        run_gemm(p, b, *ctx.pool);
      } else {
        run_gemm_on_this_thread(p, b, *ctx.pool);
      }
    };
    // Many small products (attention heads): one task per product. Few large ones: split each.
    const size_t threads = static_cast<size_t>(ctx.pool->thread_count());
    if (batches >= 2 * threads && m_ * n_ * k_ <= (size_t{1} << 20)) {
      ctx.pool->parallelize(batches, 1, [&](size_t begin, size_t end) {
        for (size_t bi = begin; bi < end; ++bi) multiply(bi, false);
      });
    } else {
      for (size_t bi = 0; bi < batches; ++bi) multiply(bi, true);
    }
  }

 private:
  const KernelTable* kernels_;
  size_t m_, n_, k_;
  BroadcastPlan batch_;  // over batch dims, in units of whole matrices
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
  return make_kernel(MatmulKernel(ctx.kernel_table, static_cast<size_t>(m), static_cast<size_t>(n), static_cast<size_t>(k),
                                  make_broadcast_plan(a_batch, b_batch, batch)));
}

}  // namespace

extern const OpDef kMatmulOp = {"matmul", prepare_matmul, "float32", "[..., M, K] x [..., K, N], batch dims broadcast"};

}  // namespace wt
