// linear: y = x @ W^T + b, x [..., K], W [N, K], b [N]; optional fused relu/relu6.
#include <algorithm>

#include "kernels/f32_gemm.h"
#include "ops/fused_activation.h"

namespace wt {
namespace {

class LinearKernel final : public OpKernel {
 public:
  LinearKernel(size_t m, size_t n, size_t k, bool weight_kn, F32MinMax minmax)
      : m_(m), n_(n), k_(k), weight_kn_(weight_kn), minmax_(minmax) {}

  void run(const RunContext& ctx) const override {
    // [K, N] weights (as the exporter writes them) are contiguous in n: the SIMD tiles apply.
    const size_t stride_n = weight_kn_ ? 1 : k_, stride_k = weight_kn_ ? n_ : 1;
    const F32GemmArgs args{
        m_, n_,      k_,     ctx.in_f32(0), k_, ctx.in_f32(1), stride_n, stride_k, ctx.in_f32(2), ctx.out_f32(0),
        n_, minmax_, nullptr};
    const size_t tiles = (m_ + kGemmRowTile - 1) / kGemmRowTile;
    if (tiles >= 2 * static_cast<size_t>(ctx.pool->thread_count())) {
      ctx.pool->parallelize(tiles, k_ * n_ >= 4096 ? 1 : 4, [&](size_t b, size_t e) {
        f32_gemm(args, b * kGemmRowTile, std::min(e * kGemmRowTile, m_));
      });
      return;
    }
    // Few rows (batch-1 inference): split the columns instead, in blocks of whole 8-wide tiles.
    constexpr size_t kColumnBlock = 64;
    ctx.pool->parallelize((n_ + kColumnBlock - 1) / kColumnBlock, k_ * n_ >= 65536 ? 1 : 1024, [&](size_t b, size_t e) {
      const size_t first = b * kColumnBlock, last = std::min(e * kColumnBlock, n_);
      F32GemmArgs part = args;
      part.n = last - first;
      part.b = args.b + first * stride_n;
      part.c = args.c + first;
      part.bias = args.bias ? args.bias + first : nullptr;
      f32_gemm(part, 0, m_);
    });
  }

 private:
  size_t m_, n_, k_;
  bool weight_kn_;
  F32MinMax minmax_;
};

Result<std::unique_ptr<OpKernel>> prepare_linear(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 3));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 1, kMaxRank));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kFloat32, 2, 2));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("weight_layout", "nk"));
  if (layout != "nk" && layout != "kn") return ctx.error("weight_layout must be 'nk' or 'kn', got '" + layout + "'");
  const bool kn = layout == "kn";
  const int64_t k = kn ? w[0] : w[1], n = kn ? w[1] : w[0];
  if (x.back() != k) {
    return ctx.error("input features " + std::to_string(x.back()) + " do not match weight shape " + shape_to_string(w));
  }
  if (const TensorInfo* b = ctx.input(2)) {
    WT_RETURN_IF_ERROR(ctx.expect_input(2, DType::kFloat32, 1, 1));
    if (b->shape[0] != n) return ctx.error("bias shape " + shape_to_string(b->shape) + " does not match weight");
  }
  WT_ASSIGN_OR_RETURN(F32MinMax minmax, read_fused_activation(ctx));
  Shape y = x;
  y.back() = n;
  ctx.outputs->push_back({DType::kFloat32, y});
  const auto rows = static_cast<size_t>(numel(Shape(x.begin(), x.end() - 1)));
  return make_kernel(LinearKernel(rows, static_cast<size_t>(n), static_cast<size_t>(k), kn, minmax));
}

}  // namespace

extern const OpDef kLinearOp = {
    "linear", prepare_linear, "float32",
    "x[..., K] @ W + b; W as [N, K] or, exported, [K, N] (weight_layout); fused relu/relu6"};

}  // namespace wt
