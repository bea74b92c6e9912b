// Concatenations. concat (torch.cat) along attribute "dim": each input's slab is copied per outer
// index. interleave: two tensors' last dims interleaved, torch.stack([a, b], -1).flatten(-2), and
// chunked (attribute "chunks", default 1: that many outputs, equal parts of the last dim). It is
// ShuffleNet's concatenation, channel shuffle (groups 2) and split in one pass over NHWC tensors,
// which the exporter fuses (fuse_channel_shuffle, optimize/passes.py): three copies become one.
#include <cstring>

#include "kernels/x32_zip.h"
#include "ops/common/op.h"

namespace wt {
namespace {

class ConcatKernel final : public OpKernel {
 public:
  ConcatKernel(size_t outer, std::vector<size_t> slab_bytes) : outer_(outer), slab_bytes_(std::move(slab_bytes)) {
    for (size_t b : slab_bytes_) out_row_bytes_ += b;
  }
  void run(const RunContext& ctx) const override {
    auto* out = static_cast<uint8_t*>(ctx.outputs[0]);
    ctx.pool->parallelize(outer_, 64, [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) {
        uint8_t* dst = out + o * out_row_bytes_;
        for (size_t i = 0; i < slab_bytes_.size(); ++i) {
          if (slab_bytes_[i])
            std::memcpy(dst, static_cast<const uint8_t*>(ctx.inputs[i]) + o * slab_bytes_[i], slab_bytes_[i]);
          dst += slab_bytes_[i];
        }
      }
    });
  }

 private:
  size_t outer_;
  std::vector<size_t> slab_bytes_;
  size_t out_row_bytes_ = 0;
};

Result<std::unique_ptr<OpKernel>> prepare_concat(const PrepareContext& ctx) {
  if (ctx.inputs.empty()) return ctx.error("needs at least one input");
  const TensorInfo* first = ctx.input(0);
  if (first == nullptr) return ctx.error("input 0 is required");
  const int rank = static_cast<int>(first->shape.size());
  WT_ASSIGN_OR_RETURN(int64_t dim, ctx.node.attributes.get_int("dim"));
  if (rank == 0 || dim < -rank || dim >= rank) return ctx.error("dim " + std::to_string(dim) + " is out of range");
  if (dim < 0) dim += rank;
  Shape out = first->shape;
  out[dim] = 0;
  std::vector<size_t> slabs;
  const size_t inner = static_cast<size_t>(numel(Shape(first->shape.begin() + dim + 1, first->shape.end())));
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    WT_RETURN_IF_ERROR(ctx.expect_input(i, first->dtype, first->shape.size(), first->shape.size()));
    const Shape& s = ctx.input(i)->shape;
    for (int d = 0; d < rank; ++d) {
      if (d != dim && s[d] != first->shape[d]) {
        return ctx.error("input " + std::to_string(i) + " shape " + shape_to_string(s) + " does not match " +
                         shape_to_string(first->shape) + " outside dim " + std::to_string(dim));
      }
    }
    out[dim] += s[dim];
    slabs.push_back(static_cast<size_t>(s[dim]) * inner * dtype_size(first->dtype));
  }
  ctx.outputs->push_back({first->dtype, out});
  return make_kernel(ConcatKernel(static_cast<size_t>(numel(Shape(out.begin(), out.begin() + dim))), slabs));
}

// Output chunk c of [rows, 2 cols] takes columns [c cols, (c + 1) cols) of both inputs' rows.
class InterleaveKernel final : public OpKernel {
 public:
  InterleaveKernel(size_t rows, size_t cols, size_t chunks, X32Zip2Fn zip2)
      : rows_(rows), cols_(cols), chunks_(chunks), zip2_(zip2) {}
  void run(const RunContext& ctx) const override {
    if (cols_ == 0) return;
    const auto* first = static_cast<const uint32_t*>(ctx.inputs[0]);
    const auto* second = static_cast<const uint32_t*>(ctx.inputs[1]);
    ctx.pool->parallelize(rows_, 4096 / (chunks_ * cols_) + 1, [&](size_t begin, size_t end) {
      for (size_t c = 0; c < chunks_; ++c) {
        const X32Zip2Rows rows{first + c * cols_, second + c * cols_, chunks_ * cols_,
                               static_cast<uint32_t*>(ctx.outputs[c]), 2 * cols_};
        zip2_(cols_, rows, begin, end);
      }
    });
  }

 private:
  size_t rows_, cols_, chunks_;
  X32Zip2Fn zip2_;
};

Result<std::unique_ptr<OpKernel>> prepare_interleave(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  const TensorInfo* first = ctx.input(0);
  if (first == nullptr || ctx.input(1) == nullptr) return ctx.error("inputs 0 and 1 are required");
  WT_RETURN_IF_ERROR(ctx.expect_input(0, first->dtype, 1, kMaxRank));
  if (dtype_size(first->dtype) != 4) {
    return ctx.error(std::string("interleaves 4-byte elements, got ") + dtype_name(first->dtype));
  }
  const size_t rank = first->shape.size();
  WT_RETURN_IF_ERROR(ctx.expect_input(1, first->dtype, rank, rank));
  if (ctx.input(1)->shape != first->shape) {
    return ctx.error("input shapes " + shape_to_string(first->shape) + " and " + shape_to_string(ctx.input(1)->shape) +
                     " differ");
  }
  WT_ASSIGN_OR_RETURN(int64_t chunks, ctx.node.attributes.get_int("chunks", 1));
  const int64_t width = first->shape.back();
  if (chunks < 1 || static_cast<size_t>(chunks) != ctx.node.outputs.size()) {
    return ctx.error("chunks " + std::to_string(chunks) + " is not the node's " +
                     std::to_string(ctx.node.outputs.size()) + " outputs");
  }
  if (width % chunks != 0) {
    return ctx.error("chunks " + std::to_string(chunks) + " does not divide the last dim " + std::to_string(width));
  }
  Shape out = first->shape;
  out.back() = 2 * width / chunks;
  for (int64_t c = 0; c < chunks; ++c) ctx.outputs->push_back({first->dtype, out});
  const auto rows = static_cast<size_t>(numel(Shape(first->shape.begin(), first->shape.end() - 1)));
  const auto cols = static_cast<size_t>(width / chunks);
  return make_kernel(InterleaveKernel(rows, cols, static_cast<size_t>(chunks), ctx.kernel_table->zip2));
}

}  // namespace

extern const OpDef kConcatOp = {"concat", prepare_concat, "all", "torch.cat along dim"};
extern const OpDef kInterleaveOp = {
    "interleave", prepare_interleave, "float32, int32",
    "torch.stack([a, b], -1).flatten(-2), in attribute chunks equal outputs (default 1): ShuffleNet's "
    "concatenation, channel shuffle and split, fused"};

}  // namespace wt
