// conv_transpose2d over NCHW: x [N, Cin, H, W], W [Cin, Cout/groups, kh, kw], b [Cout];
// out = (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1. With attribute
// layout = "nhwc": x [N, H, W, Cin], output [N, OH, OW, Cout], and the weights as the exporter packs
// them (weight_layout = "panels8"): each group's [Cin/g, kh * kw * Cout/g] matrix (columns (ky, kx,
// oc)) in GEMM panels [ceil(kh * kw * Cout/g / 8), Cin/g, 8], groups one after another, with
// out_channels and kernel_size in attributes.
#include <algorithm>

#include "gemm/gemm_driver.h"
#include "kernels/f32_conv_transpose2d.h"
#include "ops/common/conv_geometry.h"

namespace wt {
namespace {

class ConvTranspose2dKernel final : public OpKernel {
 public:
  explicit ConvTranspose2dKernel(Conv2dGeometry g) : g_(g) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(g_.batch * g_.out_channels, 1, [&](size_t b, size_t e) {
      f32_conv_transpose2d_nchw_scalar(g_, ctx.in_f32(0), ctx.in_f32(1), ctx.in_f32(2), ctx.out_f32(0), b, e);
    });
  }

 private:
  Conv2dGeometry g_;
};

// Per image: each group's GEMM (input pixels x Cin/g against the weight panels, in place) writes
// every input pixel's contribution to its footprint into the op scratch; col2im gathers those into
// output rows, in parallel.
class ConvTranspose2dNhwcKernel final : public OpKernel {
 public:
  ConvTranspose2dNhwcKernel(const PrepareContext& ctx, Conv2dGeometry g)
      : kernels_(ctx.kernel_table),
        g_(g),
        plan_(plan_gemm({g.in_h * g.in_w, g.kernel_h * g.kernel_w * (g.out_channels / g.groups), g.in_channels / g.groups,
                         GemmBStorage::kPanels},
                        *kernels_, ctx.threads)) {}

  // The footprints, then the GEMM's own.
  size_t workspace_bytes() const override { return cols_bytes() + plan_.workspace_bytes; }

  void run(const RunContext& ctx) const override {
    const size_t cin_g = g_.in_channels / g_.groups, row = g_.kernel_h * g_.kernel_w * (g_.out_channels / g_.groups);
    const size_t pixels = g_.in_h * g_.in_w, group_panels = ceil_div(row, kGemmNr) * cin_g * kGemmNr;
    float* cols = static_cast<float*>(ctx.workspace);
    for (size_t n = 0; n < g_.batch; ++n) {
      const float* image = ctx.in_f32(0) + n * pixels * g_.in_channels;
      for (size_t group = 0; group < g_.groups; ++group) {
        GemmArgs args{kernels_, image + group * cin_g, g_.in_channels, cols + group * pixels * row, row};
        args.workspace = cols + cols_bytes() / sizeof(float);
        run_gemm(plan_, args, PanelB(ctx.in_f32(1) + group * group_panels, cin_g), *ctx.pool);
      }
      float* out = ctx.out_f32(0) + n * g_.out_h * g_.out_w * g_.out_channels;
      ctx.pool->parallelize(g_.out_h, 1,
                            [&](size_t b, size_t e) { kernels_->col2im_nhwc(g_, cols, ctx.in_f32(2), out, b, e); });
    }
  }

 private:
  size_t cols_bytes() const { return g_.in_h * g_.in_w * g_.kernel_h * g_.kernel_w * g_.out_channels * sizeof(float); }

  const KernelTable* kernels_;
  Conv2dGeometry g_;
  GemmPlan plan_;
};

struct TransposedWeight {
  int64_t out_channels, kernel_h, kernel_w;
};

Result<TransposedWeight> read_weight(const PrepareContext& ctx, int64_t in_channels, int64_t groups, bool nhwc) {
  const Shape& w = ctx.input(1)->shape;
  if (!nhwc) {
    if (w[0] != in_channels) {
      return ctx.error("weight " + shape_to_string(w) + " does not fit " + std::to_string(in_channels) +
                       " input channels");
    }
    return TransposedWeight{w[1] * groups, w[2], w[3]};
  }
  const Attributes& a = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(std::string layout, a.get_string("weight_layout", ""));
  WT_ASSIGN_OR_RETURN(int64_t out_channels, a.get_int("out_channels"));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, a.get_ints("kernel_size", 2));
  constexpr int64_t kLimit = int64_t{1} << 20;
  if (layout != contract::kWeightLayoutPanels8 || out_channels < 1 || out_channels % groups != 0 || kernel[0] < 1 || kernel[1] < 1 ||
      kernel[0] > kLimit || kernel[1] > kLimit || out_channels > kLimit) {
    return ctx.error("an NHWC conv_transpose2d needs weight_layout 'panels8', out_channels and kernel_size that fit " +
                     std::to_string(groups) + " groups");
  }
  const Result<int64_t> row = checked_numel({kernel[0], kernel[1], out_channels / groups});
  if (!row.is_ok() || w != Shape{groups * ((row.value() + 7) / 8), in_channels / groups, 8}) {
    return ctx.error("panels8 weight of shape " + shape_to_string(w) + " does not hold kernel_size [" +
                     std::to_string(kernel[0]) + ", " + std::to_string(kernel[1]) + "] x " +
                     std::to_string(out_channels) + " output channels");
  }
  return TransposedWeight{out_channels, kernel[0], kernel[1]};
}

Result<std::unique_ptr<OpKernel>> prepare_conv_transpose2d(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("layout", "nchw"));
  if (layout != "nchw" && layout != "nhwc") return ctx.error("layout must be 'nchw' or 'nhwc', got " + quote(layout));
  const bool nhwc = layout == "nhwc";
  WT_ASSIGN_OR_RETURN(ConvAttributes c, read_conv_attributes(ctx, 3, nhwc ? 3 : 4));
  const auto& [stride, padding, dilation, groups] = c;
  const Shape& x = ctx.input(0)->shape;
  const int64_t channels = nhwc ? x[3] : x[1];
  if (channels % groups != 0) {
    return ctx.error("groups=" + std::to_string(groups) + " does not fit input " + shape_to_string(x));
  }
  WT_ASSIGN_OR_RETURN(TransposedWeight w, read_weight(ctx, channels, groups, nhwc));
  WT_RETURN_IF_ERROR(check_conv_bias(ctx, w.out_channels));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> output_padding, ctx.node.attributes.get_ints("output_padding", 2));
  const int64_t in[2] = {nhwc ? x[1] : x[2], nhwc ? x[2] : x[3]}, kernel[2] = {w.kernel_h, w.kernel_w};
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    constexpr int64_t kLimit = int64_t{1} << 20;
    if (stride[d] < 1 || dilation[d] < 1 || padding[d] < 0 || output_padding[d] < 0 || stride[d] > kLimit ||
        dilation[d] > kLimit || padding[d] > kLimit || output_padding[d] >= std::max(stride[d], dilation[d])) {
      return ctx.error("stride, padding, dilation or output_padding out of range");
    }
    out[d] = (in[d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel[d] - 1) + output_padding[d] + 1;
    if (out[d] < 1 || out[d] > kLimit) return ctx.error("output size " + std::to_string(out[d]) + " is invalid");
  }
  ctx.outputs->push_back({DType::kFloat32, nhwc ? Shape{x[0], out[0], out[1], w.out_channels}
                                                : Shape{x[0], w.out_channels, out[0], out[1]}});
  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  const Conv2dGeometry g{z(x[0]),       z(channels),    z(in[0]),       z(in[1]),     z(w.out_channels), z(out[0]),
                         z(out[1]),     z(kernel[0]),   z(kernel[1]),   z(stride[0]), z(stride[1]),      z(padding[0]),
                         z(padding[1]), z(dilation[0]), z(dilation[1]), z(groups)};
  if (nhwc) return make_kernel(ConvTranspose2dNhwcKernel(ctx, g));
  return make_kernel(ConvTranspose2dKernel(g));
}

}  // namespace

extern const OpDef kConvTranspose2dOp = {
    "conv_transpose2d", prepare_conv_transpose2d, "float32",
    "stride, padding, output_padding, dilation, groups (NCHW: gather form); layout=nhwc: a GEMM over weight panels "
    "(weight_layout=panels8, out_channels, kernel_size), then col2im"};

}  // namespace wt
