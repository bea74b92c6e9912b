// Reductions over attribute "dims" (empty = all), with "keepdim": sum, mean, amax, amin, var, std,
// prod; sum, amax, amin and prod also of int64 (exact).
#include <algorithm>

#include "kernels/f32_reduce.h"
#include "ops/common/op.h"

namespace wt {
namespace {

class ReduceKernel final : public OpKernel {
 public:
  ReduceKernel(ReduceGeometry g, bool int64) : g_(g), int64_(int64) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(g_.kept.count(), 16, [&](size_t b, size_t e) {
      if (int64_) {
        i64_reduce_scalar(g_, static_cast<const int64_t*>(ctx.inputs[0]), static_cast<int64_t*>(ctx.outputs[0]), b, e);
      } else {
        f32_reduce_scalar(g_, ctx.in_f32(0), ctx.out_f32(0), b, e);
      }
    });
  }

 private:
  ReduceGeometry g_;
  bool int64_;
};

// Reduced dims followed by kept ones, in one run: vectors across the kept inner dims.
class ReduceRowsKernel final : public OpKernel {
 public:
  ReduceRowsKernel(F32ReduceRowsFn fn, ReduceRows g) : fn_(fn), g_(g) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(g_.outer * g_.inner, 64,
                          [&](size_t b, size_t e) { fn_(g_, ctx.in_f32(0), ctx.out_f32(0), b, e); });
  }

 private:
  F32ReduceRowsFn fn_;
  ReduceRows g_;
};

// x as [outer, rows, inner] when the reduced dims are one run with kept dims after it (inner > 1)
// and op has a rows kernel: NHWC global pooling ([N, H, W, C] over H and W).
bool as_rows(const Shape& x, const std::vector<bool>& reduce, ReduceOp op, ReduceRows* rows) {
  size_t first = x.size(), last = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (reduce[i]) first = std::min(first, i), last = i + 1;
  }
  if (op == ReduceOp::kVar || op == ReduceOp::kProd || first >= last) return false;
  for (size_t i = first; i < last; ++i) {
    if (!reduce[i]) return false;
  }
  auto product = [&x](size_t b, size_t e) { return static_cast<size_t>(numel(Shape(x.begin() + b, x.begin() + e))); };
  *rows = {product(0, first), product(first, last), product(last, x.size()), op};
  return rows->inner > 1;
}

struct ReduceSpec {
  const char* name;
  ReduceOp op;
  bool sqrt;
};

constexpr ReduceSpec kReduceSpecs[] = {{"sum", ReduceOp::kSum, false},  {"mean", ReduceOp::kMean, false},
                                       {"amax", ReduceOp::kMax, false}, {"amin", ReduceOp::kMin, false},
                                       {"var", ReduceOp::kVar, false},  {"std", ReduceOp::kVar, true},
                                       {"prod", ReduceOp::kProd, false}};

Result<std::unique_ptr<OpKernel>> prepare_reduce(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  const bool int64 = ctx.input(0) != nullptr && ctx.input(0)->dtype == DType::kInt64;
  WT_RETURN_IF_ERROR(ctx.expect_input(0, int64 ? DType::kInt64 : DType::kFloat32, 0, kMaxRank));
  const Shape& x = ctx.input(0)->shape;
  const int rank = static_cast<int>(x.size());
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ctx.node.attributes.get_ints("dims"));
  WT_ASSIGN_OR_RETURN(int64_t keepdim, ctx.node.attributes.get_int("keepdim", 0));
  WT_ASSIGN_OR_RETURN(double correction, ctx.node.attributes.get_float("correction", 1.0));
  std::vector<bool> reduce(x.size(), dims.empty());
  for (int64_t d : dims) {
    if (d < -rank || d >= rank || (rank == 0 && d != 0 && d != -1)) {
      return ctx.error("dim " + std::to_string(d) + " is out of range for shape " + shape_to_string(x));
    }
    if (rank > 0) reduce[static_cast<size_t>(d < 0 ? d + rank : d)] = true;
  }
  ReduceGeometry g{};
  size_t stride = 1;
  std::vector<size_t> strides(x.size());
  for (int i = rank - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= static_cast<size_t>(x[i]);
  }
  Shape out;
  for (int i = 0; i < rank; ++i) {
    StridedSpace& space = reduce[i] ? g.reduced : g.kept;
    space.size[space.rank] = static_cast<size_t>(x[i]);
    space.stride[space.rank++] = strides[i];
    if (!reduce[i])
      out.push_back(x[i]);
    else if (keepdim)
      out.push_back(1);
  }
  for (const ReduceSpec& spec : kReduceSpecs) {
    if (ctx.node.op != spec.name) continue;
    g.op = spec.op;
    g.take_sqrt = spec.sqrt;
    g.correction = correction;
    if ((g.op == ReduceOp::kMax || g.op == ReduceOp::kMin) && g.reduced.count() == 0) {
      return ctx.error("cannot reduce an empty dimension with " + ctx.node.op);
    }
    if (int64 && (g.op == ReduceOp::kMean || g.op == ReduceOp::kVar)) {
      return ctx.error(ctx.node.op + " of int64 (it is float32's alone)");
    }
    ctx.outputs->push_back({int64 ? DType::kInt64 : DType::kFloat32, out});
    ReduceRows rows;
    if (!int64 && as_rows(x, reduce, g.op, &rows)) return make_kernel(ReduceRowsKernel(ctx.kernel_table->reduce_rows, rows));
    return make_kernel(ReduceKernel(g, int64));
  }
  return ctx.error("is not a reduction");
}

}  // namespace

const std::vector<OpDef>& reduce_ops() {
  static const std::vector<OpDef> defs = family_defs(
      kReduceSpecs, prepare_reduce, "float32; sum, amax, amin, prod: int64",
      [](const ReduceSpec&) { return "dims, keepdim; var/std: correction; int64 sums and products wrap"; });
  return defs;
}

}  // namespace wt
