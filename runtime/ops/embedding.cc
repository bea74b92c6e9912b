// embedding: weight [V, D] rows gathered by int64/int32 indices of any shape -> [..., D].
// An index outside [0, V) is a data error reported by forward(), as PyTorch raises one.
// Quantized (quantize_for_wasm): an int8 weight with input 2, one float32 scale per row, gathers
// rows dequantized: q[index, :] * scale[index]; a float16 weight gathers rows expanded to f32.
#include <cstring>

#include "ops/common/op.h"

namespace wt {
namespace {

class EmbeddingKernel final : public OpKernel {
 public:
  EmbeddingKernel(size_t count, size_t vocab, size_t dim, bool int64, DType weight, F16ToF32Fn f16_to_f32)
      : count_(count), vocab_(vocab), dim_(dim), int64_(int64), weight_(weight), f16_to_f32_(f16_to_f32) {}

  void run(const RunContext& ctx) const override {
    const float* row_scale = weight_ == DType::kInt8 ? ctx.in_f32(kRowScaleInput) : nullptr;
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
        const size_t at = static_cast<size_t>(index) * dim_;
        if (weight_ == DType::kFloat32) {
          std::memcpy(row, ctx.in_f32(0) + at, dim_ * sizeof(float));
        } else if (weight_ == DType::kFloat16) {
          f16_to_f32_(dim_, static_cast<const uint16_t*>(ctx.inputs[0]) + at, row);
        } else {
          const int8_t* q = static_cast<const int8_t*>(ctx.inputs[0]) + at;
          const float scale = row_scale[index];
          for (size_t j = 0; j < dim_; ++j) row[j] = static_cast<float>(q[j]) * scale;
        }
      }
    });
  }

  static constexpr size_t kRowScaleInput = 2;

 private:
  size_t count_, vocab_, dim_;
  bool int64_;
  DType weight_;
  F16ToF32Fn f16_to_f32_;
};

Result<std::unique_ptr<OpKernel>> prepare_embedding(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, EmbeddingKernel::kRowScaleInput + 1));
  const DType weight = ctx.input(0) != nullptr ? ctx.input(0)->dtype : DType::kFloat32;
  const bool int8 = weight == DType::kInt8;
  WT_RETURN_IF_ERROR(ctx.expect_input(0, int8 || weight == DType::kFloat16 ? weight : DType::kFloat32, 2, 2));
  if (int8 != (ctx.input(EmbeddingKernel::kRowScaleInput) != nullptr)) {
    return ctx.error("an int8 weight takes float32 row scales as input 2, and only it");
  }
  if (int8) {
    WT_RETURN_IF_ERROR(ctx.expect_input(EmbeddingKernel::kRowScaleInput, DType::kFloat32, 1, 1));
    if (ctx.input(EmbeddingKernel::kRowScaleInput)->shape[0] != ctx.input(0)->shape[0]) {
      return ctx.error("row scales of shape " + shape_to_string(ctx.input(EmbeddingKernel::kRowScaleInput)->shape) +
                       " are not one per row of the weight " + shape_to_string(ctx.input(0)->shape));
    }
  }
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
                                     static_cast<size_t>(w[1]), idx->dtype == DType::kInt64, weight,
                                     ctx.kernel_table->f16_to_f32));
}

}  // namespace

extern const OpDef kEmbeddingOp = {"embedding", prepare_embedding, "float32, float16 or int8 weight, int64/int32 indices",
                                   "out-of-range index: forward() error; int8 weight: row scales as input 2"};

}  // namespace wt
