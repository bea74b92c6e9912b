// max_pool2d, avg_pool2d and adaptive_avg_pool2d over [N, C, H, W] or [C, H, W]; max_pool2d and
// avg_pool2d also over [N, H, W, C] (attribute layout = "nhwc"). max_pool2d and adaptive_max_pool2d
// given a second output also write each max's int64 index in its input plane (PyTorch's
// return_indices; NCHW).
#include "kernels/f32_pool2d.h"
#include "ops/common/conv_geometry.h"

namespace wt {
namespace {

using PoolFn = void (*)(const Pool2dGeometry&, const float*, float*, size_t, size_t);
using NhwcPoolFn = void (*)(const Pool2dGeometry&, size_t, const float*, float*, size_t, size_t);

class Pool2dKernel final : public OpKernel {
 public:
  Pool2dKernel(PoolFn fn, Pool2dGeometry g, size_t planes) : fn_(fn), g_(g), planes_(planes) {}

  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(planes_, 1, [&](size_t b, size_t e) { fn_(g_, ctx.in_f32(0), ctx.out_f32(0), b, e); });
  }

 private:
  PoolFn fn_;
  Pool2dGeometry g_;
  size_t planes_;
};

// NHWC [N, H, W, C]: output rows over the pool, every pixel vectorized across channels.
class NhwcPool2dKernel final : public OpKernel {
 public:
  NhwcPool2dKernel(NhwcPoolFn fn, Pool2dGeometry g, size_t rows, size_t channels)
      : fn_(fn), g_(g), rows_(rows), channels_(channels) {}

  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(rows_, 1,
                          [&](size_t b, size_t e) { fn_(g_, channels_, ctx.in_f32(0), ctx.out_f32(0), b, e); });
  }

 private:
  NhwcPoolFn fn_;
  Pool2dGeometry g_;
  size_t rows_, channels_;
};

// Max pooling that also writes the indices (output 1): each task, a range of planes.
template <typename Fn>
class IndexedMaxPoolKernel final : public OpKernel {
 public:
  IndexedMaxPoolKernel(Fn fn, size_t planes) : fn_(fn), planes_(planes) {}

  void run(const RunContext& ctx) const override {
    auto* indices = static_cast<int64_t*>(ctx.outputs[1]);
    ctx.pool->parallelize(planes_, 1, [&](size_t b, size_t e) { fn_(ctx.in_f32(0), ctx.out_f32(0), indices, b, e); });
  }

 private:
  Fn fn_;
  size_t planes_;
};

template <typename Fn>
Result<std::unique_ptr<OpKernel>> make_indexed_kernel(Fn fn, size_t planes) {
  return make_kernel(IndexedMaxPoolKernel<Fn>(fn, planes));
}

// Whether the node asks for indices (a second output), and if so that it can have them.
Result<bool> wants_indices(const PrepareContext& ctx, bool nhwc) {
  const size_t outputs = ctx.node.outputs.size();
  if (outputs > 2) return ctx.error("has " + std::to_string(outputs) + " outputs; at most 2 (values, indices)");
  if (outputs == 2 && nhwc) return ctx.error("indices (a second output) are computed in the nchw layout only");
  return outputs == 2;
}

size_t planes_of(const Shape& x) { return static_cast<size_t>(numel(Shape(x.begin(), x.end() - 2))); }

Shape with_spatial(const Shape& x, int64_t h, int64_t w) {
  Shape y = x;
  y[y.size() - 2] = h;
  y[y.size() - 1] = w;
  return y;
}

Result<std::unique_ptr<OpKernel>> prepare_pool2d(const PrepareContext& ctx, PoolFn fn, NhwcPoolFn nhwc_fn,
                                                 bool is_max) {
  const Attributes& attrs = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(std::string layout, attrs.get_string("layout", "nchw"));
  if (layout != "nchw" && layout != "nhwc") return ctx.error("layout must be 'nchw' or 'nhwc', got " + quote(layout));
  const bool nhwc = layout == "nhwc";
  WT_ASSIGN_OR_RETURN(bool indices, is_max ? wants_indices(ctx, nhwc) : Result<bool>(false));
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, nhwc ? 4 : 3, 4));
  // NHWC pools over dims 1 and 2 of [N, H, W, C]; NCHW over the last two.
  const Shape x =
      nhwc ? Shape{ctx.input(0)->shape[0], ctx.input(0)->shape[3], ctx.input(0)->shape[1], ctx.input(0)->shape[2]}
           : ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, attrs.get_ints("kernel_size", 2));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> stride, attrs.get_ints("stride", 2));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> padding, attrs.get_ints("padding", 2));
  std::vector<int64_t> dilation = {1, 1};
  if (is_max) {
    WT_ASSIGN_OR_RETURN(dilation, attrs.get_ints("dilation", 2));
  }
  WT_ASSIGN_OR_RETURN(int64_t ceil_mode, attrs.get_int("ceil_mode", 0));
  WT_ASSIGN_OR_RETURN(int64_t count_include_pad, attrs.get_int("count_include_pad", 1));
  WT_ASSIGN_OR_RETURN(int64_t divisor_override, attrs.get_int("divisor_override", 0));
  for (int d = 0; d < 2; ++d) {
    if (padding[d] < 0 || kernel[d] < 1 || padding[d] > kernel[d] / 2) {
      return ctx.error("padding " + std::to_string(padding[d]) + " must be at most half the kernel size " +
                       std::to_string(kernel[d]));
    }
  }
  if (divisor_override < 0) return ctx.error("divisor_override must not be negative");
  const size_t rank = x.size();
  WT_ASSIGN_OR_RETURN(
      int64_t out_h, conv_output_size(ctx, x[rank - 2], kernel[0], stride[0], padding[0], dilation[0], ceil_mode != 0));
  WT_ASSIGN_OR_RETURN(
      int64_t out_w, conv_output_size(ctx, x[rank - 1], kernel[1], stride[1], padding[1], dilation[1], ceil_mode != 0));
  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  const Pool2dGeometry g{z(x[rank - 2]),         z(x[rank - 1]),     z(out_h),       z(out_w),
                         z(kernel[0]),           z(kernel[1]),       z(stride[0]),   z(stride[1]),
                         z(padding[0]),          z(padding[1]),      z(dilation[0]), z(dilation[1]),
                         count_include_pad != 0, z(divisor_override)};
  if (nhwc) {
    ctx.outputs->push_back({DType::kFloat32, {x[0], out_h, out_w, x[1]}});
    return make_kernel(NhwcPool2dKernel(nhwc_fn, g, z(x[0] * out_h), z(x[1])));
  }
  ctx.outputs->push_back({DType::kFloat32, with_spatial(x, out_h, out_w)});
  if (indices) {
    ctx.outputs->push_back({DType::kInt64, with_spatial(x, out_h, out_w)});
    return make_indexed_kernel(
        [g](const float* in, float* out, int64_t* idx, size_t b, size_t e) {
          f32_maxpool2d_indices_nchw_scalar(g, in, out, idx, b, e);
        },
        planes_of(x));
  }
  return make_kernel(Pool2dKernel(fn, g, planes_of(x)));
}

Result<std::unique_ptr<OpKernel>> prepare_max_pool2d(const PrepareContext& ctx) {
  return prepare_pool2d(ctx, f32_maxpool2d_nchw_scalar, ctx.kernel_table->maxpool_nhwc, true);
}

Result<std::unique_ptr<OpKernel>> prepare_avg_pool2d(const PrepareContext& ctx) {
  return prepare_pool2d(ctx, f32_avgpool2d_nchw_scalar, ctx.kernel_table->avgpool_nhwc, false);
}

using AdaptivePoolFn = void (*)(size_t, size_t, size_t, size_t, const float*, float*, size_t, size_t);

class AdaptivePool2dKernel final : public OpKernel {
 public:
  AdaptivePool2dKernel(AdaptivePoolFn fn, size_t ih, size_t iw, size_t oh, size_t ow, size_t planes)
      : fn_(fn), ih_(ih), iw_(iw), oh_(oh), ow_(ow), planes_(planes) {}

  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(planes_, 1,
                          [&](size_t b, size_t e) { fn_(ih_, iw_, oh_, ow_, ctx.in_f32(0), ctx.out_f32(0), b, e); });
  }

 private:
  AdaptivePoolFn fn_;
  size_t ih_, iw_, oh_, ow_, planes_;
};

Result<std::unique_ptr<OpKernel>> prepare_adaptive_pool2d(const PrepareContext& ctx, AdaptivePoolFn fn,
                                                          bool is_max) {
  WT_ASSIGN_OR_RETURN(bool indices, is_max ? wants_indices(ctx, false) : Result<bool>(false));
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 3, 4));
  const Shape& x = ctx.input(0)->shape;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> out, ctx.node.attributes.get_ints("output_size", 2));
  const int64_t ih = x[x.size() - 2], iw = x[x.size() - 1];
  if (out[0] < 1 || out[1] < 1 || out[0] > (int64_t{1} << 20) || out[1] > (int64_t{1} << 20) || ih < 1 || iw < 1) {
    return ctx.error("output_size [" + std::to_string(out[0]) + ", " + std::to_string(out[1]) +
                     "] is invalid for input " + shape_to_string(x));
  }
  ctx.outputs->push_back({DType::kFloat32, with_spatial(x, out[0], out[1])});
  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  if (indices) {
    ctx.outputs->push_back({DType::kInt64, with_spatial(x, out[0], out[1])});
    const size_t h = z(ih), w = z(iw), oh = z(out[0]), ow = z(out[1]);
    return make_indexed_kernel(
        [h, w, oh, ow](const float* in, float* o, int64_t* idx, size_t b, size_t e) {
          f32_adaptive_maxpool2d_indices_nchw_scalar(h, w, oh, ow, in, o, idx, b, e);
        },
        planes_of(x));
  }
  return make_kernel(AdaptivePool2dKernel(fn, z(ih), z(iw), z(out[0]), z(out[1]), planes_of(x)));
}

Result<std::unique_ptr<OpKernel>> prepare_adaptive_avg_pool2d(const PrepareContext& ctx) {
  return prepare_adaptive_pool2d(ctx, f32_adaptive_avgpool2d_nchw_scalar, false);
}

Result<std::unique_ptr<OpKernel>> prepare_adaptive_max_pool2d(const PrepareContext& ctx) {
  return prepare_adaptive_pool2d(ctx, f32_adaptive_maxpool2d_nchw_scalar, true);
}

}  // namespace

extern const OpDef kAdaptiveMaxPool2dOp = {
    "adaptive_max_pool2d", prepare_adaptive_max_pool2d, "float32",
    "PyTorch's floor/ceil window boundaries; NaN propagates; a second output: int64 indices in the input plane"};
extern const OpDef kMaxPool2dOp = {"max_pool2d", prepare_max_pool2d, "float32",
                                   "kernel, stride, padding, dilation, ceil_mode, layout (nchw/nhwc); NaN propagates; "
                                   "a second output (nchw): int64 indices in the input plane"};
extern const OpDef kAvgPool2dOp = {
    "avg_pool2d", prepare_avg_pool2d, "float32",
    "kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, layout (nchw/nhwc)"};
extern const OpDef kAdaptiveAvgPool2dOp = {"adaptive_avg_pool2d", prepare_adaptive_avg_pool2d, "float32",
                                           "PyTorch's floor/ceil window boundaries"};

}  // namespace wt
