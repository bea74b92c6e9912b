// conv2d over NHWC: x [N, H, W, C], residual and output [N, OH, OW, O], weights as the exporter
// packs them (conv2d.h). A convolution is a GEMM per image and group: A = the image as pixels x
// (ky, kx, c) (the image itself, read in place, for 1x1 stride-1 convolutions; else its implicit
// im2col matrix, packed a block at a time) and B = the weight panels, read in place; 3x3 stride-1
// ones run Winograd; depthwise ones a direct kernel across channels.
#include <algorithm>

#include "kernels/f32_dwconv2d.h"
#include "kernels/f32_winograd.h"
#include "ops/conv2d.h"
#include "ops/gemm.h"

namespace wt {
namespace {

class GemmConv2dNhwcKernel final : public OpKernel {
 public:
  GemmConv2dNhwcKernel(Conv2dGeometry g, FusedActivation act, bool residual) : g_(g), act_(act), residual_(residual) {}

  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kConvResidualInput; }

  void run(const RunContext& ctx) const override {
    const size_t cin_g = g_.in_channels / g_.groups, cout_g = g_.out_channels / g_.groups;
    const size_t pixels = g_.out_h * g_.out_w, k = cin_g * g_.kernel_h * g_.kernel_w;
    const size_t group_panels = ceil_div(cout_g, kGemmNr) * k * kGemmNr;
    // With a residual the GEMM accumulates onto it, in place when the planner gave both one buffer.
    if (residual_) copy_conv_residual(ctx, g_.batch * pixels * g_.out_channels);
    for (size_t n = 0; n < g_.batch; ++n) {
      const float* image = ctx.in_f32(0) + n * g_.in_h * g_.in_w * g_.in_channels;
      for (size_t group = 0; group < g_.groups; ++group) {
        const float* in = image + group * cin_g;
        GemmProblem p{pixels,
                      cout_g,
                      k,
                      in,
                      g_.in_channels,
                      ctx.out_f32(0) + n * pixels * g_.out_channels + group * cout_g,
                      g_.out_channels};
        p.col_bias = ctx.in_f32(2) ? ctx.in_f32(2) + group * cout_g : nullptr;
        p.minmax = act_.minmax;
        p.activation = act_.fn;
        p.accumulate = residual_;
        const Im2colNhwcA im2col(g_, in);
        if (!pointwise()) p.a_source = &im2col;
        run_gemm(p, PanelB(ctx.in_f32(1) + group * group_panels, k), *ctx.pool);
      }
    }
  }

 private:
  bool pointwise() const {
    return g_.kernel_h == 1 && g_.kernel_w == 1 && g_.stride_h == 1 && g_.stride_w == 1 && g_.pad_top == 0 &&
           g_.pad_left == 0;
  }

  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
};

// Output rows over the pool, every pixel of a row vectorized across channels.
class DepthwiseConv2dNhwcKernel final : public OpKernel {
 public:
  DepthwiseConv2dNhwcKernel(Conv2dGeometry g, FusedActivation act) : g_(g), act_(act) {}

  void run(const RunContext& ctx) const override {
    const size_t row_floats = g_.out_w * g_.out_channels;
    ctx.pool->parallelize(g_.batch * g_.out_h, 1, [&](size_t begin, size_t end) {
      f32_dwconv2d_nhwc_simd128(g_, ctx.in_f32(0), ctx.in_f32(1), ctx.in_f32(2), act_.minmax, ctx.out_f32(0), begin,
                                end, ctx.pool->thread_scratch(), ThreadPool::kScratchBytes / sizeof(float));
      act_.apply(ctx.out_f32(0) + begin * row_floats, (end - begin) * row_floats);
    });
  }

 private:
  Conv2dGeometry g_;
  FusedActivation act_;
};

// Winograd F(4x4, 3x3) (kernels/f32_winograd.h): per image, the input tiles are transformed into
// V[36][tiles][Cin], 36 GEMMs (one task each) multiply them by the weights transformed into
// panels U[36][Cout/8][Cin][8], and the output transform writes M[36][tiles][Cout] back as pixels.
// U is recomputed into the op scratch on every run, as in the NCHW form, rather than kept.
class WinogradConv2dNhwcKernel final : public OpKernel {
 public:
  WinogradConv2dNhwcKernel(Conv2dGeometry g, FusedActivation act, bool residual)
      : g_(g), act_(act), residual_(residual), tiles_(winograd_tiles(g)), panels_(ceil_div(g.out_channels, kGemmNr)) {}
  // The output transform reads each residual element just before it writes that element.
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kConvResidualInput; }

  size_t workspace_bytes() const override {
    return kWinogradPositions * (u_floats() + (g_.in_channels + g_.out_channels) * tiles_) * sizeof(float);
  }

  void run(const RunContext& ctx) const override {
    const size_t cin = g_.in_channels, cout = g_.out_channels, tiles_x = winograd_tiles_x(g_);
    float* u = static_cast<float*>(ctx.workspace);
    float* v = u + kWinogradPositions * u_floats();
    float* m = v + kWinogradPositions * cin * tiles_;
    ctx.pool->parallelize(panels_, 1, [&](size_t b, size_t e) {
      f32_winograd_f4x4_3x3_weights_panels_simd128(cin, cout, ctx.in_f32(1), u, b, e);
    });
    const size_t in_image = g_.in_h * g_.in_w * cin, out_image = g_.out_h * g_.out_w * cout;
    for (size_t n = 0; n < g_.batch; ++n) {
      const float* image = ctx.in_f32(0) + n * in_image;
      float* out = ctx.out_f32(0) + n * out_image;
      const float* residual = residual_ ? ctx.in_f32(kConvResidualInput) + n * out_image : nullptr;
      ctx.pool->parallelize(tiles_, 1,
                            [&](size_t b, size_t e) { f32_winograd_f4x4_3x3_input_nhwc_simd128(g_, image, v, b, e); });
      ctx.pool->parallelize(kWinogradPositions, 1, [&](size_t b, size_t e) {
        for (size_t pos = b; pos < e; ++pos) {
          const GemmProblem p{tiles_, cout, cin, v + pos * tiles_ * cin, cin, m + pos * tiles_ * cout, cout};
          run_gemm_on_this_thread(p, PanelB(u + pos * u_floats(), cin), *ctx.pool);
        }
      });
      // Rows of tiles, so a fused activation runs over whole output rows.
      ctx.pool->parallelize(winograd_tiles_y(g_), 1, [&](size_t b, size_t e) {
        f32_winograd_f4x4_3x3_output_nhwc_simd128(g_, m, ctx.in_f32(2), residual, act_.minmax, out, b * tiles_x,
                                                  e * tiles_x);
        const size_t row_floats = g_.out_w * cout, row_end = std::min(g_.out_h, e * kWinogradTile);
        act_.apply(out + b * kWinogradTile * row_floats, (row_end - b * kWinogradTile) * row_floats);
      });
    }
  }

 private:
  size_t u_floats() const { return panels_ * g_.in_channels * kGemmNr; }  // one position's panels

  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
  size_t tiles_, panels_;
};

}  // namespace

Result<ConvWeight> read_nhwc_conv_weight(const PrepareContext& ctx, int64_t in_channels, int64_t groups) {
  const Attributes& a = ctx.node.attributes;
  const Shape& w = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(std::string layout, a.get_string("weight_layout", ""));
  if (layout == "hwc") {
    WT_ASSIGN_OR_RETURN(int64_t out_channels, a.get_int("out_channels", in_channels));
    if (groups != in_channels || w[2] != in_channels || out_channels != in_channels) {
      return ctx.error("a depthwise hwc weight " + shape_to_string(w) +
                       " needs groups = channels = out_channels = " + std::to_string(in_channels));
    }
    return ConvWeight{in_channels, 1, w[0], w[1], true};
  }
  if (layout != "panels8")
    return ctx.error("an NHWC conv2d needs weight_layout 'panels8' or 'hwc', got '" + layout + "'");
  WT_ASSIGN_OR_RETURN(int64_t out_channels, a.get_int("out_channels"));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, a.get_ints("kernel_size", 2));
  if (out_channels < 1 || kernel[0] < 1 || kernel[1] < 1 || in_channels % groups != 0 || out_channels % groups != 0) {
    return ctx.error("out_channels " + std::to_string(out_channels) + ", kernel_size [" + std::to_string(kernel[0]) +
                     ", " + std::to_string(kernel[1]) + "] and groups " + std::to_string(groups) + " do not fit " +
                     std::to_string(in_channels) + " input channels");
  }
  const int64_t per_group = out_channels / groups;
  const Result<int64_t> rows = checked_numel({kernel[0], kernel[1], in_channels / groups});
  if (!rows.is_ok()) {
    return ctx.error("kernel_size [" + std::to_string(kernel[0]) + ", " + std::to_string(kernel[1]) + "] is too large");
  }
  const int64_t k = rows.value();
  if (w != Shape{groups * ((per_group + 7) / 8), k, 8}) {
    return ctx.error("panels8 weight of shape " + shape_to_string(w) + " does not hold " + std::to_string(groups) +
                     " groups of " + std::to_string(per_group) + " output channels as [groups * ceil(" +
                     std::to_string(per_group) + " / 8), " + std::to_string(k) + ", 8]");
  }
  return ConvWeight{out_channels, in_channels / groups, kernel[0], kernel[1], false};
}

std::unique_ptr<OpKernel> make_conv2d_nhwc_kernel(const Conv2dGeometry& g, FusedActivation act, bool residual,
                                                  bool depthwise_hwc) {
  if (depthwise_hwc) return std::make_unique<DepthwiseConv2dNhwcKernel>(g, act);
  if (winograd_applies(g)) return std::make_unique<WinogradConv2dNhwcKernel>(g, act, residual);
  return std::make_unique<GemmConv2dNhwcKernel>(g, act, residual);
}

}  // namespace wt
