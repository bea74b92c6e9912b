// conv2d over NCHW: x [N, C, H, W], W [O, C/groups, kh, kw], b [O]; optional fused relu/relu6.
#include <algorithm>

#include "kernels/f32_conv2d.h"
#include "kernels/f32_dwconv2d.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_im2col.h"
#include "ops/conv_geometry.h"
#include "ops/fused_activation.h"

namespace wt {
namespace {

// Depthwise convolutions (one input channel per group) have no reduction worth a GEMM: they run
// a direct kernel over output planes (SIMD128 across output columns where the build has it).
class DirectConv2dKernel final : public OpKernel {
 public:
  DirectConv2dKernel(Conv2dGeometry g, F32MinMax minmax) : g_(g), minmax_(minmax) {}

  void run(const RunContext& ctx) const override {
    const size_t planes = g_.batch * g_.out_channels;
    const auto kernel = f32_dwconv2d_simd128_supports(g_) ? f32_dwconv2d_nchw_simd128 : f32_conv2d_nchw_scalar;
    ctx.pool->parallelize(planes, 1, [&](size_t begin, size_t end) {
      kernel(g_, ctx.in_f32(0), ctx.in_f32(1), ctx.in_f32(2), minmax_, ctx.out_f32(0), begin, end);
    });
  }

 private:
  Conv2dGeometry g_;
  F32MinMax minmax_;
};

// Every other convolution, per image and group: out[Cout_g, OH*OW] = W[Cout_g, Cin_g*kh*kw] x
// col[Cin_g*kh*kw, OH*OW], with col the input itself for 1x1 stride-1 unpadded convolutions and
// an im2col matrix in the workspace otherwise.
class GemmConv2dKernel final : public OpKernel {
 public:
  GemmConv2dKernel(Conv2dGeometry g, F32MinMax minmax) : g_(g), minmax_(minmax) {}

  size_t workspace_bytes() const override { return pointwise() ? 0 : rows() * out_size() * sizeof(float); }

  void run(const RunContext& ctx) const override {
    const size_t cin_g = g_.in_channels / g_.groups, cout_g = g_.out_channels / g_.groups;
    for (size_t n = 0; n < g_.batch; ++n) {
      for (size_t group = 0; group < g_.groups; ++group) {
        const float* in = ctx.in_f32(0) + (n * g_.in_channels + group * cin_g) * g_.in_h * g_.in_w;
        const float* col = in;
        if (!pointwise()) {
          auto* buffer = static_cast<float*>(ctx.workspace);
          ctx.pool->parallelize(rows(), 4, [&](size_t b, size_t e) { f32_im2col_nchw_scalar(g_, in, buffer, b, e); });
          col = buffer;
        }
        const float* bias = ctx.in_f32(2);
        const F32GemmArgs args{cout_g,
                               out_size(),
                               rows(),
                               ctx.in_f32(1) + group * cout_g * rows(),
                               rows(),
                               col,
                               1,
                               out_size(),
                               nullptr,
                               ctx.out_f32(0) + (n * g_.out_channels + group * cout_g) * out_size(),
                               out_size(),
                               minmax_,
                               bias ? bias + group * cout_g : nullptr};
        ctx.pool->parallelize((cout_g + kGemmRowTile - 1) / kGemmRowTile, 1, [&](size_t b, size_t e) {
          f32_gemm(args, b * kGemmRowTile, std::min(e * kGemmRowTile, cout_g));
        });
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

  Conv2dGeometry g_;
  F32MinMax minmax_;
};

Result<std::unique_ptr<OpKernel>> prepare_conv2d(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(ConvAttributes c, read_conv_attributes(ctx));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  const auto& [stride, padding, dilation, groups] = c;
  if (x[1] % groups != 0 || w[0] % groups != 0 || w[1] * groups != x[1]) {
    return ctx.error("groups=" + std::to_string(groups) + " does not fit input " + shape_to_string(x) + " and weight " +
                     shape_to_string(w));
  }
  WT_RETURN_IF_ERROR(check_conv_bias(ctx, w[0]));
  WT_ASSIGN_OR_RETURN(int64_t out_h, conv_output_size(ctx, x[2], w[2], stride[0], padding[0], dilation[0], false));
  WT_ASSIGN_OR_RETURN(int64_t out_w, conv_output_size(ctx, x[3], w[3], stride[1], padding[1], dilation[1], false));
  WT_ASSIGN_OR_RETURN(F32MinMax minmax, read_fused_activation(ctx));
  ctx.outputs->push_back({DType::kFloat32, {x[0], w[0], out_h, out_w}});

  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  Conv2dGeometry g{z(x[0]),       z(x[1]),        z(x[2]),        z(x[3]),      z(w[0]),      z(out_h),
                   z(out_w),      z(w[2]),        z(w[3]),        z(stride[0]), z(stride[1]), z(padding[0]),
                   z(padding[1]), z(dilation[0]), z(dilation[1]), z(groups)};
  if (g.in_channels == g.groups) return make_kernel(DirectConv2dKernel(g, minmax));
  return make_kernel(GemmConv2dKernel(g, minmax));
}

}  // namespace

extern const OpDef kConv2dOp = {"conv2d", prepare_conv2d, "float32",
                                "NCHW; im2col + GEMM (4x8 SIMD128 tiles), depthwise direct; fused relu/relu6"};

}  // namespace wt
