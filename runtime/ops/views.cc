// View ops materialized as strided copies: permute (and transpose), expand, slice.
#include "kernels/copy_strided.h"
#include "ops/common/op.h"

namespace wt {
namespace {

class StridedCopyKernel final : public OpKernel {
 public:
  StridedCopyKernel(StridedSpace src, size_t base, size_t element_size)
      : src_(src), base_(base), element_size_(element_size) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(src_.count(), 16384, [&](size_t b, size_t e) {
      copy_strided_scalar(src_, base_, element_size_, static_cast<const uint8_t*>(ctx.inputs[0]),
                          static_cast<uint8_t*>(ctx.outputs[0]), b, e);
    });
  }

 private:
  StridedSpace src_;
  size_t base_;
  size_t element_size_;
};

std::vector<size_t> contiguous_strides(const Shape& shape) {
  std::vector<size_t> strides(shape.size());
  size_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= static_cast<size_t>(shape[i]);
  }
  return strides;
}

// A view that is a transpose of the last two dims of [batch, rows, cols] (NCHW <-> NHWC): output
// rows over the pool, copied in tiles.
class TransposeKernel final : public OpKernel {
 public:
  TransposeKernel(size_t batch, size_t rows, size_t cols, size_t element_size)
      : batch_(batch), rows_(rows), cols_(cols), element_size_(element_size) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(batch_ * cols_, 16384 / (rows_ + 1) + 1, [&](size_t b, size_t e) {
      transpose_scalar(rows_, cols_, element_size_, static_cast<const uint8_t*>(ctx.inputs[0]),
                       static_cast<uint8_t*>(ctx.outputs[0]), b, e);
    });
  }

 private:
  size_t batch_, rows_, cols_, element_size_;
};

// The transpose of [batch, 2, cols] 32-bit elements: each pair of rows interleaved.
class Zip2Kernel final : public OpKernel {
 public:
  Zip2Kernel(size_t batch, size_t cols, X32Zip2Fn zip2) : batch_(batch), cols_(cols), zip2_(zip2) {}
  void run(const RunContext& ctx) const override {
    const auto* x = static_cast<const uint32_t*>(ctx.inputs[0]);
    const X32Zip2Rows rows{x, x + cols_, 2 * cols_, static_cast<uint32_t*>(ctx.outputs[0]), 2 * cols_};
    ctx.pool->parallelize(batch_, 8192 / cols_ + 1, [&](size_t b, size_t e) { zip2_(cols_, rows, b, e); });
  }

 private:
  size_t batch_, cols_;
  X32Zip2Fn zip2_;
};

// The transpose of [batch, 3, cols] 32-bit elements (an RGB image from NCHW to NHWC): output
// pixels over the pool, so one image splits over threads.
class Zip3Kernel final : public OpKernel {
 public:
  Zip3Kernel(size_t batch, size_t cols, X32Zip3Fn zip3) : batch_(batch), cols_(cols), zip3_(zip3) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(batch_ * cols_, 4096, [&](size_t b, size_t e) {
      zip3_(cols_, static_cast<const uint32_t*>(ctx.inputs[0]), static_cast<uint32_t*>(ctx.outputs[0]), b, e);
    });
  }

 private:
  size_t batch_, cols_;
  X32Zip3Fn zip3_;
};

// Finishes a view op: out dims with their source strides.
Result<std::unique_ptr<OpKernel>> emit_view(const PrepareContext& ctx, const Shape& out,
                                            const std::vector<size_t>& src_strides, size_t base) {
  StridedSpace space;
  space.rank = static_cast<int>(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    space.size[i] = static_cast<size_t>(out[i]);
    space.stride[i] = src_strides[i];
  }
  ctx.outputs->push_back({ctx.input(0)->dtype, out});
  const size_t element_size = dtype_size(ctx.input(0)->dtype);
  const StridedSpace walk = space.coalesced();
  // [batch, cols, rows] read from [batch, rows, cols]: a batched transpose (of some elements: the
  // zips split their work by the row length).
  const int t = walk.rank - 2;
  if (base == 0 && walk.count() > 0 && walk.rank >= 2 && walk.rank <= 3 && walk.stride[t] == 1 && walk.stride[t + 1] == walk.size[t] &&
      (t == 0 || walk.stride[0] == walk.size[1] * walk.size[2])) {
    const size_t batch = t == 0 ? 1 : walk.size[0], rows = walk.size[t + 1], cols = walk.size[t];
    if (rows == 2 && element_size == 4) return make_kernel(Zip2Kernel(batch, cols, ctx.kernel_table->zip2));
    if (rows == 3 && element_size == 4) return make_kernel(Zip3Kernel(batch, cols, ctx.kernel_table->zip3));
    return make_kernel(TransposeKernel(batch, rows, cols, element_size));
  }
  return make_kernel(StridedCopyKernel(walk, base, element_size));
}

Status expect_one_input(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  if (ctx.input(0) == nullptr) return ctx.error("input 0 is required");
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> prepare_permute(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(expect_one_input(ctx));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ctx.node.attributes.get_ints("perm"));
  if (perm.size() != x.size())
    return ctx.error("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(x.size()));
  std::vector<bool> seen(x.size(), false);
  const auto strides = contiguous_strides(x);
  Shape out;
  std::vector<size_t> src;
  for (int64_t p : perm) {
    const int64_t rank = static_cast<int64_t>(x.size());
    if (p < -rank || p >= rank || seen[static_cast<size_t>(p < 0 ? p + rank : p)])
      return ctx.error("perm is not a permutation");
    const auto d = static_cast<size_t>(p < 0 ? p + rank : p);
    seen[d] = true;
    out.push_back(x[d]);
    src.push_back(strides[d]);
  }
  return emit_view(ctx, out, src, 0);
}

Result<std::unique_ptr<OpKernel>> prepare_expand(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(expect_one_input(ctx));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ctx.node.attributes.get_ints("shape"));
  if (shape.size() < x.size() || shape.size() > static_cast<size_t>(kMaxRank))
    return ctx.error("cannot expand " + shape_to_string(x) + " to rank " + std::to_string(shape.size()));
  const auto strides = contiguous_strides(x);
  const size_t lead = shape.size() - x.size();
  Shape out(shape.size());
  std::vector<size_t> src(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t have = i < lead ? 1 : x[i - lead];
    const int64_t want = shape[i] == -1 && i >= lead ? have : shape[i];
    if (want < 0 || (have != 1 && have != want)) {
      return ctx.error("cannot expand " + shape_to_string(x) + " to " + shape_to_string(shape));
    }
    out[i] = want;
    if (i >= lead && have != 1) src[i] = strides[i - lead];
  }
  WT_RETURN_IF_ERROR(checked_numel(out).is_ok() ? Status::ok() : ctx.error("expanded shape is too large"));
  return emit_view(ctx, out, src, 0);
}

Result<std::unique_ptr<OpKernel>> prepare_slice(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(expect_one_input(ctx));
  const Shape& x = ctx.input(0)->shape;
  const auto rank = static_cast<int64_t>(x.size());
  const Attributes& a = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(int64_t dim, a.get_int("dim"));
  WT_ASSIGN_OR_RETURN(int64_t start, a.get_int("start", 0));
  WT_ASSIGN_OR_RETURN(int64_t end, a.get_int("end", INT64_MAX));
  WT_ASSIGN_OR_RETURN(int64_t step, a.get_int("step", 1));
  if (dim < -rank || dim >= rank) return ctx.error("dim " + std::to_string(dim) + " is out of range");
  if (step < 1) return ctx.error("step must be positive");
  if (dim < 0) dim += rank;
  const int64_t size = x[dim];
  // PyTorch's clamping: negative indices count from the end, then clamp into [0, size].
  auto clamp_index = [size](int64_t i) { return std::min(std::max(i < 0 ? i + size : i, int64_t{0}), size); };
  start = clamp_index(start);
  end = std::max(clamp_index(end), start);
  step = std::min(step, std::max(size, int64_t{1}));  // a longer step takes the first element alone
  Shape out = x;
  out[dim] = end == start ? 0 : (end - start - 1) / step + 1;
  auto src = contiguous_strides(x);
  const size_t base = static_cast<size_t>(start) * src[dim];
  src[dim] *= static_cast<size_t>(step);
  return emit_view(ctx, out, src, base);
}

// flip: a view with negated strides; unsigned wrap-around makes base + i * (-stride) exact.
Result<std::unique_ptr<OpKernel>> prepare_flip(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(expect_one_input(ctx));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ctx.node.attributes.get_ints("dims"));
  auto src = contiguous_strides(x);
  size_t base = 0;
  std::vector<bool> flipped(x.size(), false);
  const auto rank = static_cast<int64_t>(x.size());
  for (int64_t d : dims) {
    if (d < -rank || d >= rank)
      return ctx.error("dim " + std::to_string(d) + " is out of range for " + shape_to_string(x));
    const auto dim = static_cast<size_t>(d < 0 ? d + rank : d);
    if (flipped[dim]) return ctx.error("dim " + std::to_string(d) + " is listed twice");
    flipped[dim] = true;
    if (x[dim] == 0) continue;
    base += static_cast<size_t>(x[dim] - 1) * src[dim];
    src[dim] = static_cast<size_t>(0) - src[dim];
  }
  return emit_view(ctx, x, src, base);
}

}  // namespace

extern const OpDef kFlipOp = {"flip", prepare_flip, "all", "reverses the listed dims"};
extern const OpDef kPermuteOp = {"permute", prepare_permute, "all", "also transpose"};
extern const OpDef kExpandOp = {"expand", prepare_expand, "all", "broadcast to a shape (-1 keeps a dim)"};
extern const OpDef kSliceOp = {"slice", prepare_slice, "all",
                               "dim, start, end, step (PyTorch clamping); select via slice + reshape"};

}  // namespace wt
