// embedding: weight [V, D] rows gathered by int64/int32 indices of any shape -> [..., D].
// An index outside [0, V) is a data error reported by forward(), as PyTorch raises one.
#include <cstring>

#include "ops/common/op.h"

namespace wt {
namespace {

class EmbeddingKernel final : public OpKernel {
 public:
  EmbeddingKernel(size_t count, size_t vocab, size_t dim, bool int64)
      : count_(count), vocab_(vocab), dim_(dim), int64_(int64) {}

  void run(const RunContext& ctx) const override {
    const float* weight = ctx.in_f32(0);
    ctx.pool->parallelize(count_, 64, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const int64_t index =
            int64_ ? static_cast<const int64_t*>(ctx.inputs[1])[i] : static_cast<const int32_t*>(ctx.inputs[1])[i];
        float* row = ctx.out_f32(0) + i * dim_;
        if (index < 0 || static_cast<uint64_t>(index) >= vocab_) {
          std::memset(row, 0, dim_ * sizeof(float));
          ctx.errors->report("index " + std::to_string(index) + " is out of range for " + std::to_string(vocab_) +
                             " embeddings");
          continue;
        }
        std::memcpy(row, weight + static_cast<size_t>(index) * dim_, dim_ * sizeof(float));
      }
    });
  }

 private:
  size_t count_, vocab_, dim_;
  bool int64_;
};

Result<std::unique_ptr<OpKernel>> prepare_embedding(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 2, 2));
  const TensorInfo* idx = ctx.input(1);
  if (idx == nullptr || (idx->dtype != DType::kInt64 && idx->dtype != DType::kInt32)) {
    return ctx.error("indices must be int64 or int32");
  }
  const Shape& w = ctx.input(0)->shape;
  Shape out = idx->shape;
  out.push_back(w[1]);
  if (out.size() > static_cast<size_t>(kMaxRank)) return ctx.error("indices have too many dims");
  ctx.outputs->push_back({DType::kFloat32, out});
  return make_kernel(EmbeddingKernel(static_cast<size_t>(numel(idx->shape)), static_cast<size_t>(w[0]),
                                     static_cast<size_t>(w[1]), idx->dtype == DType::kInt64));
}

}  // namespace

extern const OpDef kEmbeddingOp = {"embedding", prepare_embedding, "float32 weight, int64/int32 indices",
                                   "out-of-range index: forward() error"};

}  // namespace wt
