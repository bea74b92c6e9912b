// concat (torch.cat) along attribute "dim": each input's slab is copied per outer index.
#include <cstring>

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

}  // namespace

extern const OpDef kConcatOp = {"concat", prepare_concat, "all", "torch.cat along dim"};

}  // namespace wt
