// conv2d: validates the node; runs NCHW here, NHWC (attribute layout = "nhwc", what the exporter
// writes by default) in conv2d_nhwc.cc. NCHW: x [N, C, H, W], W [O, C/groups, kh, kw], b [O],
// residual [N, O, OH, OW]; optional fused activation. NCHW is the general path, for convolutions
// the exporter cannot move to NHWC (weights that are not constants) and files exported with
// memory_layout="nchw": an implicit-im2col GEMM, or the direct kernel for depthwise ones. The fast
// path (Winograd, SIMD depthwise, weights packed at export) is NHWC's only (docs/ARCHITECTURE.md).
#include "ops/conv2d.h"

#include "gemm/gemm_driver.h"
#include "kernels/f32_winograd.h"
#include "ops/common/conv_geometry.h"

namespace wt {
namespace {

// Depthwise convolutions (one input channel per group) have no reduction worth a GEMM: they run
// the direct kernel over output planes.
class DirectConv2dKernel final : public OpKernel {
 public:
  DirectConv2dKernel(Conv2dGeometry g, FusedActivation act) : g_(g), act_(act) {}

  void run(const RunContext& ctx) const override {
    const size_t planes = g_.batch * g_.out_channels;
    ctx.pool->parallelize(planes, 1, [&](size_t begin, size_t end) {
      f32_conv2d_nchw_scalar(g_, ctx.in_f32(0), ctx.in_f32(1), ctx.in_f32(2), act_.minmax, ctx.out_f32(0), begin, end);
      act_.apply(ctx.out_f32(0) + begin * g_.out_h * g_.out_w, (end - begin) * g_.out_h * g_.out_w);
    });
  }

 private:
  Conv2dGeometry g_;
  FusedActivation act_;
};

// Every other convolution, per image and group: out[Cout_g, OH*OW] = W[Cout_g, Cin_g*kh*kw] x
// col[Cin_g*kh*kw, OH*OW]. col is the input itself for 1x1 stride-1 unpadded convolutions and
// the implicit im2col matrix otherwise, packed block by block (no im2col buffer).
class GemmConv2dKernel final : public OpKernel {
 public:
  GemmConv2dKernel(const PrepareContext& ctx, Conv2dGeometry g, FusedActivation act, bool residual)
      : kernels_(ctx.kernel_table), g_(g), act_(act), residual_(residual) {
    GemmShape shape{g.out_channels / g.groups, out_size(), rows()};
    shape.b = pointwise() ? GemmBStorage::kRows : GemmBStorage::kPackedOnly;
    shape.accumulate = residual;
    plan_ = plan_gemm(shape, *kernels_, ctx.threads);
  }

  size_t workspace_bytes() const override { return plan_.workspace_bytes; }
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  void run(const RunContext& ctx) const override {
    const size_t cin_g = g_.in_channels / g_.groups, cout_g = g_.out_channels / g_.groups;
    // With a residual the GEMM accumulates onto it, in place when the planner gave both one buffer.
    if (residual_) copy_residual(ctx, g_.batch * g_.out_channels * out_size());
    for (size_t n = 0; n < g_.batch; ++n) {
      for (size_t group = 0; group < g_.groups; ++group) {
        const float* in = ctx.in_f32(0) + (n * g_.in_channels + group * cin_g) * g_.in_h * g_.in_w;
        const float* bias = ctx.in_f32(2);
        GemmArgs args{kernels_, ctx.in_f32(1) + group * cout_g * rows(), rows(),
                      ctx.out_f32(0) + (n * g_.out_channels + group * cout_g) * out_size(), out_size()};
        args.row_bias = bias ? bias + group * cout_g : nullptr;
        args.minmax = act_.minmax;
        args.activation = act_.fn;
        args.workspace = static_cast<float*>(ctx.workspace);
        if (pointwise()) {
          run_gemm(plan_, args, DenseB(in, 1, out_size()), *ctx.pool);
        } else {
          run_gemm(plan_, args, Im2colB(g_, in), *ctx.pool);
        }
      }
    }
  }

 private:
  bool pointwise() const {
    return g_.kernel_h == 1 && g_.kernel_w == 1 && g_.stride_h == 1 && g_.stride_w == 1 && g_.pad_top == 0 &&
           g_.pad_left == 0;
  }
  size_t rows() const { return (g_.in_channels / g_.groups) * g_.kernel_h * g_.kernel_w; }
  size_t out_size() const { return g_.out_h * g_.out_w; }

  const KernelTable* kernels_;
  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
  GemmPlan plan_;
};

// The NCHW weight [O, C/groups, kh, kw].
ConvWeight read_oihw_conv_weight(const PrepareContext& ctx) {
  const Shape& w = ctx.input(1)->shape;
  return ConvWeight{w[0], w[1], w[2], w[3], false};
}

Result<std::unique_ptr<OpKernel>> prepare_conv2d(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("layout", "nchw"));
  if (layout != "nchw" && layout != "nhwc") return ctx.error("layout must be 'nchw' or 'nhwc', got " + quote(layout));
  const bool nhwc = layout == "nhwc";
  WT_ASSIGN_OR_RETURN(ConvAttributes c, read_conv_attributes(ctx, kResidualInput + 1, nhwc ? 3 : 4));
  const auto& [stride, padding, dilation, groups] = c;
  const Shape& x = ctx.input(0)->shape;
  const int64_t channels = nhwc ? x[3] : x[1], in_h = nhwc ? x[1] : x[2], in_w = nhwc ? x[2] : x[3];
  ConvWeight w{};
  if (nhwc) {
    WT_ASSIGN_OR_RETURN(w, read_nhwc_conv_weight(ctx, channels, groups));
  } else {
    w = read_oihw_conv_weight(ctx);
  }
  if (channels % groups != 0 || w.out_channels % groups != 0 || w.in_per_group * groups != channels) {
    return ctx.error("groups=" + std::to_string(groups) + " does not fit input " + shape_to_string(x) + " and weight " +
                     shape_to_string(ctx.input(1)->shape));
  }
  WT_RETURN_IF_ERROR(check_conv_bias(ctx, w.out_channels));
  WT_ASSIGN_OR_RETURN(int64_t out_h,
                      conv_output_size(ctx, in_h, w.kernel_h, stride[0], padding[0], dilation[0], false));
  WT_ASSIGN_OR_RETURN(int64_t out_w,
                      conv_output_size(ctx, in_w, w.kernel_w, stride[1], padding[1], dilation[1], false));
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  const Shape out_shape = nhwc ? Shape{x[0], out_h, out_w, w.out_channels} : Shape{x[0], w.out_channels, out_h, out_w};
  WT_ASSIGN_OR_RETURN(bool residual, read_residual(ctx, out_shape));
  if (residual && groups != 1) return ctx.error("a residual input needs groups = 1, got groups=" + std::to_string(groups));
  ctx.outputs->push_back({DType::kFloat32, out_shape});

  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  const Conv2dGeometry g{z(x[0]),       z(channels),    z(in_h),        z(in_w),      z(w.out_channels), z(out_h),
                         z(out_w),      z(w.kernel_h),  z(w.kernel_w),  z(stride[0]), z(stride[1]),      z(padding[0]),
                         z(padding[1]), z(dilation[0]), z(dilation[1]), z(groups)};
  if (nhwc) return make_conv2d_nhwc_kernel(ctx, g, act, residual, w.depthwise_hwc);
  if (g.in_channels == g.groups) return make_kernel(DirectConv2dKernel(g, act));
  return make_kernel(GemmConv2dKernel(ctx, g, act, residual));
}

}  // namespace

bool winograd_supports(const Conv2dGeometry& g) {
  return g.kernel_h == 3 && g.kernel_w == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 &&
         g.dilation_w == 1 && g.groups == 1;
}

bool winograd_applies(const Conv2dGeometry& g) {
  constexpr size_t kMinChannels = 8;
  constexpr size_t kMinTiles = 16;  // 14x14 outputs and up (docs/PERFORMANCE.md)
  return winograd_supports(g) && g.in_channels >= kMinChannels && g.out_channels >= kMinChannels &&
         winograd_tiles(g) >= kMinTiles;
}

extern const OpDef kConv2dOp = {
    "conv2d", prepare_conv2d, "float32",
    "NCHW (the general path): implicit-im2col GEMM (packed blocks, SIMD128 tiles), depthwise direct; fused "
    "activations; optional residual input 3 (groups = 1). layout=nhwc (the exporter's default): NHWC tensors, weights "
    "as GEMM panels (weight_layout=panels8, out_channels, kernel_size) or depthwise [kh, kw, C] (hwc); Winograd "
    "F(4x4,3x3) for 3x3 stride 1, an indirect GEMM (input pixels read in place) for grouped convolutions, or as "
    "O3's tuning recorded (algorithm = winograd|gemm|indirect, gemm_depth_block; at the pool sizes in tuned_threads "
    "where set)"};

}  // namespace wt
