// Index ops along one axis: gather, index_select, argmax/argmin, topk, cumsum. Attribute "dim"
// (negative counts from the end); out-of-range indices are forward() errors.
#include "kernels/index_ops.h"
#include "ops/common/op.h"

namespace wt {
namespace {

struct Axis {
  int dim;
  AxisView view;
};

Result<Axis> read_axis(const PrepareContext& ctx, const Shape& x) {
  WT_ASSIGN_OR_RETURN(int64_t dim, ctx.node.attributes.get_int("dim"));
  const auto rank = static_cast<int64_t>(x.size());
  if (rank == 0 || dim < -rank || dim >= rank)
    return ctx.error("dim " + std::to_string(dim) + " is out of range for " + shape_to_string(x));
  if (dim < 0) dim += rank;
  auto product = [&](size_t b, size_t e) { return static_cast<size_t>(numel(Shape(x.begin() + b, x.begin() + e))); };
  return Axis{static_cast<int>(dim),
              {product(0, size_t(dim)), static_cast<size_t>(x[dim]), product(size_t(dim) + 1, x.size())}};
}

// --- gather / index_select ------------------------------------------------------------------
class IndexKernel final : public OpKernel {
 public:
  IndexKernel(bool gather, AxisView v, size_t count, size_t es) : gather_(gather), v_(v), count_(count), es_(es) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(v_.outer, 1, [&](size_t b, size_t e) {
      int64_t local = INT64_MIN;
      (gather_ ? gather_scalar : index_select_scalar)(v_, count_, es_, static_cast<const uint8_t*>(ctx.inputs[0]),
                                                      static_cast<const int64_t*>(ctx.inputs[1]),
                                                      static_cast<uint8_t*>(ctx.outputs[0]), b, e, &local);
      if (local != INT64_MIN) {
        ctx.errors->report("index " + std::to_string(local) + " is out of range for a dimension of size " +
                           std::to_string(v_.axis));
      }
    });
  }

 private:
  bool gather_;
  AxisView v_;
  size_t count_, es_;
};

Result<std::unique_ptr<OpKernel>> prepare_index(const PrepareContext& ctx, bool gather) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, 2));
  const TensorInfo* x = ctx.input(0);
  if (x == nullptr) return ctx.error("input 0 is required");
  WT_RETURN_IF_ERROR(ctx.expect_input(1, DType::kInt64, gather ? x->shape.size() : 1, gather ? x->shape.size() : 1));
  const Shape& idx = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(Axis axis, read_axis(ctx, x->shape));
  Shape out = x->shape;
  if (gather) {
    for (size_t d = 0; d < idx.size(); ++d) {
      if (static_cast<int>(d) != axis.dim && idx[d] != x->shape[d])
        return ctx.error("index shape " + shape_to_string(idx) + " must match input " + shape_to_string(x->shape) +
                         " outside dim");
    }
    out = idx;
  } else {
    out[axis.dim] = idx[0];
  }
  ctx.outputs->push_back({x->dtype, out});
  return make_kernel(IndexKernel(gather, axis.view, static_cast<size_t>(out[axis.dim]), dtype_size(x->dtype)));
}

Result<std::unique_ptr<OpKernel>> prepare_gather(const PrepareContext& ctx) { return prepare_index(ctx, true); }
Result<std::unique_ptr<OpKernel>> prepare_index_select(const PrepareContext& ctx) { return prepare_index(ctx, false); }

// --- argmax / argmin -------------------------------------------------------------------------
class ArgExtremeKernel final : public OpKernel {
 public:
  ArgExtremeKernel(bool max, AxisView v, bool int64) : max_(max), v_(v), int64_(int64) {}
  void run(const RunContext& ctx) const override {
    auto* y = static_cast<int64_t*>(ctx.outputs[0]);
    ctx.pool->parallelize(v_.outer, 1, [&](size_t b, size_t e) {
      if (int64_) {
        i64_argextreme_scalar(v_, max_, static_cast<const int64_t*>(ctx.inputs[0]), y, b, e);
      } else {
        f32_argextreme_scalar(v_, max_, ctx.in_f32(0), y, b, e);
      }
    });
  }

 private:
  bool max_;
  AxisView v_;
  bool int64_;
};

// float32 or int64 input 0 (what argmax/argmin and topk compare).
Status expect_ordered_input(const PrepareContext& ctx) {
  const TensorInfo* x = ctx.input(0);
  if (x != nullptr && x->dtype == DType::kInt64) return ctx.expect_input(0, DType::kInt64, 1, kMaxRank);
  return ctx.expect_input(0, DType::kFloat32, 1, kMaxRank);
}

Shape reduced_shape(const Shape& x, int dim, bool keepdim) {
  Shape out = x;
  if (keepdim)
    out[dim] = 1;
  else
    out.erase(out.begin() + dim);
  return out;
}

Result<std::unique_ptr<OpKernel>> prepare_arg(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(expect_ordered_input(ctx));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(Axis axis, read_axis(ctx, x));
  WT_ASSIGN_OR_RETURN(int64_t keepdim, ctx.node.attributes.get_int("keepdim", 0));
  if (axis.view.axis == 0) return ctx.error("cannot take " + ctx.node.op + " of an empty dimension");
  ctx.outputs->push_back({DType::kInt64, reduced_shape(x, axis.dim, keepdim != 0)});
  return make_kernel(ArgExtremeKernel(ctx.node.op == "argmax", axis.view, ctx.input(0)->dtype == DType::kInt64));
}

// --- topk --------------------------------------------------------------------------------------
class TopkKernel final : public OpKernel {
 public:
  TopkKernel(AxisView v, size_t k, bool largest, bool int64) : v_(v), k_(k), largest_(largest), int64_(int64) {}
  void run(const RunContext& ctx) const override {
    auto* indices = static_cast<int64_t*>(ctx.outputs[1]);
    ctx.pool->parallelize(v_.outer, 1, [&](size_t b, size_t e) {
      if (int64_) {
        i64_topk_scalar(v_, k_, largest_, static_cast<const int64_t*>(ctx.inputs[0]),
                        static_cast<int64_t*>(ctx.outputs[0]), indices, b, e);
      } else {
        f32_topk_scalar(v_, k_, largest_, ctx.in_f32(0), ctx.out_f32(0), indices, b, e);
      }
    });
  }

 private:
  AxisView v_;
  size_t k_;
  bool largest_;
  bool int64_;
};

Result<std::unique_ptr<OpKernel>> prepare_topk(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(expect_ordered_input(ctx));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(Axis axis, read_axis(ctx, x));
  WT_ASSIGN_OR_RETURN(int64_t k, ctx.node.attributes.get_int("k"));
  WT_ASSIGN_OR_RETURN(int64_t largest, ctx.node.attributes.get_int("largest", 1));
  if (k < 0 || k > x[axis.dim])
    return ctx.error("k=" + std::to_string(k) + " is out of range for dimension of size " +
                     std::to_string(x[axis.dim]));
  Shape out = x;
  out[axis.dim] = k;
  const DType dtype = ctx.input(0)->dtype;
  ctx.outputs->push_back({dtype, out});
  ctx.outputs->push_back({DType::kInt64, out});
  return make_kernel(TopkKernel(axis.view, static_cast<size_t>(k), largest != 0, dtype == DType::kInt64));
}

// --- cumsum ------------------------------------------------------------------------------------
class CumsumKernel final : public OpKernel {
 public:
  CumsumKernel(AxisView v, bool int64) : v_(v), int64_(int64) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(v_.outer, 1, [&](size_t b, size_t e) {
      if (int64_) {
        i64_cumsum_scalar(v_, static_cast<const int64_t*>(ctx.inputs[0]), static_cast<int64_t*>(ctx.outputs[0]), b, e);
      } else {
        f32_cumsum_scalar(v_, ctx.in_f32(0), ctx.out_f32(0), b, e);
      }
    });
  }

 private:
  AxisView v_;
  bool int64_;
};

Result<std::unique_ptr<OpKernel>> prepare_cumsum(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  const TensorInfo* x = ctx.input(0);
  if (x == nullptr || (x->dtype != DType::kFloat32 && x->dtype != DType::kInt64)) {
    return ctx.error(std::string("takes float32 or int64, got ") + (x ? dtype_name(x->dtype) : "nothing"));
  }
  if (x->shape.empty()) return ctx.error("takes a tensor of rank 1 or more");
  WT_ASSIGN_OR_RETURN(Axis axis, read_axis(ctx, x->shape));
  ctx.outputs->push_back({x->dtype, x->shape});
  return make_kernel(CumsumKernel(axis.view, x->dtype == DType::kInt64));
}

}  // namespace

extern const OpDef kGatherOp = {"gather", prepare_gather, "any values, int64 index",
                                "torch.gather; bad index: forward() error"};
extern const OpDef kIndexSelectOp = {"index_select", prepare_index_select, "any values, int64 index",
                                     "bad index: forward() error"};
extern const OpDef kArgmaxOp = {"argmax", prepare_arg, "float32, int64 -> int64",
                                "dim, keepdim; first on ties, NaN wins"};
extern const OpDef kArgminOp = {"argmin", prepare_arg, "float32, int64 -> int64",
                                "dim, keepdim; first on ties, NaN wins"};
extern const OpDef kTopkOp = {"topk", prepare_topk, "float32, int64 -> the same, int64",
                              "k, dim, largest; sorted; equal values keep their order"};
extern const OpDef kCumsumOp = {"cumsum", prepare_cumsum, "float32, int64", "float32 accumulates in double"};

}  // namespace wt
