// conv2d over NHWC: x [N, H, W, C], residual and output [N, OH, OW, O], weights as the exporter
// packs them (conv2d.h). A convolution is a GEMM per image and group: A = the image as pixels x
// (ky, kx, c) (the image itself, read in place, for 1x1 stride-1 convolutions; else its implicit
// im2col matrix, packed a block at a time) and B = the weight panels, read in place; 3x3 stride-1
// ones run Winograd; grouped ones an indirect GEMM; depthwise ones a direct kernel across channels.
#include <algorithm>
#include <vector>

#include "gemm/gemm_driver.h"
#include "kernels/f32_dwconv2d.h"
#include "kernels/f32_winograd.h"
#include "ops/conv2d.h"

namespace wt {
namespace {

// Grouped convolutions with at least two groups per thread (ResNeXt's 32, RegNet's groups of 8-24
// channels) run one task per (image, group), each group's GEMM on one thread: a group's GEMM has a
// few panels of columns, too small to split, and one parallel region per group cost a fork and a
// join each.
class GemmConv2dNhwcKernel final : public OpKernel {
 public:
  GemmConv2dNhwcKernel(const PrepareContext& ctx, Conv2dGeometry g, FusedActivation act, bool residual,
                       size_t depth_block)
      : kernels_(ctx.kernel_table), g_(g), act_(act), residual_(residual), group_tasks_(g.groups >= 2 * ctx.threads) {
    GemmShape shape{g.out_h * g.out_w, g.out_channels / g.groups, g.kernel_h * g.kernel_w * g.in_channels / g.groups,
                    GemmBStorage::kPanels};
    shape.depth_block = depth_block;
    shape.a_packed = !pointwise();
    shape.accumulate = residual;
    plan_ = group_tasks_ ? plan_gemm_serial(shape) : plan_gemm(shape, *kernels_, ctx.threads);
  }

  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }
  size_t workspace_bytes() const override { return plan_.workspace_bytes; }

  const char* algorithm() const override { return contract::kConvAlgorithmGemm; }
  void run(const RunContext& ctx) const override {
    const size_t cin_g = g_.in_channels / g_.groups, cout_g = plan_.shape.n;
    const size_t pixels = plan_.shape.m, k = plan_.shape.k;
    const size_t group_panels = ceil_div(cout_g, kGemmNr) * k * kGemmNr;
    // With a residual the GEMM accumulates onto it, in place when the planner gave both one buffer.
    if (residual_) copy_residual(ctx, g_.batch * pixels * g_.out_channels);
    auto multiply = [&](size_t n, size_t group) {
      const float* in = ctx.in_f32(0) + n * g_.in_h * g_.in_w * g_.in_channels + group * cin_g;
      GemmArgs args{kernels_, in, g_.in_channels, ctx.out_f32(0) + n * pixels * g_.out_channels + group * cout_g,
                    g_.out_channels};
      args.col_bias = ctx.in_f32(2) ? ctx.in_f32(2) + group * cout_g : nullptr;
      args.minmax = act_.minmax;
      args.activation = act_.fn;
      const Im2colNhwcA im2col(g_, in);
      if (plan_.shape.a_packed) args.a_source = &im2col;
      args.workspace = static_cast<float*>(ctx.workspace);
      run_gemm(plan_, args, PanelB(ctx.in_f32(1) + group * group_panels, k), *ctx.pool);
    };
    if (group_tasks_) {
      ctx.pool->parallelize(g_.batch * g_.groups, 1, [&](size_t begin, size_t end) {
        for (size_t t = begin; t < end; ++t) multiply(t / g_.groups, t % g_.groups);
      });
      return;
    }
    for (size_t n = 0; n < g_.batch; ++n) {
      for (size_t group = 0; group < g_.groups; ++group) multiply(n, group);
    }
  }

 private:
  bool pointwise() const {
    return g_.kernel_h == 1 && g_.kernel_w == 1 && g_.stride_h == 1 && g_.stride_w == 1 && g_.pad_top == 0 &&
           g_.pad_left == 0;
  }

  const KernelTable* kernels_;
  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
  bool group_tasks_;
  GemmPlan plan_;  // one image and group's GEMM
};

// The row pointers of an indirect tile (taps x 4) live in the thread's op scratch.
constexpr size_t kIndirectMaxTaps = kOpThreadScratchBytes / (kGemmMr * sizeof(const float*));
bool indirect_fits(const Conv2dGeometry& g) { return g.kernel_h * g.kernel_w <= kIndirectMaxTaps; }

// The indirect tile has no k blocks: every 4 pixels read their group's whole weight panels, which
// must stay in cache (RegNet's and ResNeXt's groups: 2-36 KiB). Wider groups (RegNetY-128GF's 264
// channels: 2.4 MiB) take the blocked GEMM.
constexpr size_t kIndirectMaxGroupWeightBytes = 256 * 1024;
bool indirect_preferred(const Conv2dGeometry& g) {
  const size_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const size_t weight_bytes = g.kernel_h * g.kernel_w * cin_g * ceil_div(cout_g, kGemmNr) * kGemmNr * sizeof(float);
  return g.groups > 1 && indirect_fits(g) && weight_bytes <= kIndirectMaxGroupWeightBytes;
}

// Grouped convolutions (ResNeXt, RegNet: 4-24 channels a group) on the indirect GEMM tile: 4 output
// pixels at a time, each tap's input pixel read in place through a pointer (a zero vector where the
// tap lies in padding), so no im2col row is packed. Packing cost these convolutions more than their
// multiply-adds: RegNetY-400MF's ran at 8-12 GFLOP/s, its 1x1 convolutions at 40. Tasks are blocks
// of pixels; each 4 pixels' pointers are worked out once and moved along the channels from group to
// group (a task per group and block rebuilt them per group: ResNeXt's first stage, K = 9 x 4, spent
// as long on them as on its multiply-adds). Groups of 4 output channels go two at a time
// (f32_igemm_4x8_group_pairs), as an 8-column tile would compute each on a copy with 4 columns of
// padding.
class IndirectConv2dNhwcKernel final : public OpKernel {
 public:
  static constexpr size_t kMaxPixelsPerTask = 256;

  IndirectConv2dNhwcKernel(const KernelTable* kernels, Conv2dGeometry g, FusedActivation act, bool residual)
      : igemm_(kernels->igemm_4x8_panels),
        igemm_pairs_(kernels->igemm_4x8_group_pairs),
        g_(g),
        act_(act),
        residual_(residual),
        cin_g_(g.in_channels / g.groups),
        cout_g_(g.out_channels / g.groups),
        taps_(g.kernel_h * g.kernel_w),
        group_pairs_(cout_g_ == 4 && g.groups % 2 == 0),
        zeros_(g.in_channels, 0.f) {}  // a tap in padding, moved along the channels as the image is

  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  const char* algorithm() const override { return contract::kConvAlgorithmIndirect; }
  void run(const RunContext& ctx) const override {
    const size_t pixels = g_.out_h * g_.out_w;
    // Enough blocks for every thread to balance (ResNeXt's last stage has 49 pixels), each a whole
    // number of 4-pixel tiles.
    const size_t chunks = ThreadPool::kChunksPerThread * static_cast<size_t>(ctx.pool->thread_count());
    const size_t per_task = std::clamp(round_up(ceil_div(pixels, chunks), kGemmMr), kGemmMr, kMaxPixelsPerTask);
    const size_t blocks = ceil_div(pixels, per_task);
    if (residual_) copy_residual(ctx, g_.batch * pixels * g_.out_channels);
    ctx.pool->parallelize(g_.batch * blocks, 1, [&](size_t begin, size_t end) {
      // taps x 4 row pointers: far less than the scratch GEMM tasks pack blocks into.
      const float** rows = reinterpret_cast<const float**>(ctx.pool->thread_scratch());
      for (size_t task = begin; task < end; ++task) {
        const size_t block = task % blocks, n = task / blocks;
        run_pixels(ctx, n, block * per_task, std::min(pixels, (block + 1) * per_task), rows);
      }
    });
  }

 private:
  // Output pixels [p0, p1) of image n, every group.
  void run_pixels(const RunContext& ctx, size_t n, size_t p0, size_t p1, const float** rows) const {
    const size_t k = taps_ * cin_g_, panel_floats = k * kGemmNr, group_panels = ceil_div(cout_g_, kGemmNr);
    const size_t groups_per_call = group_pairs_ ? 2 : 1, channel_step = groups_per_call * cin_g_;
    const float* image = ctx.in_f32(0) + n * g_.in_h * g_.in_w * g_.in_channels;
    float* out = ctx.out_f32(0) + (n * g_.out_h * g_.out_w) * g_.out_channels;
    const float* bias = ctx.in_f32(2);
    F32GemmOutput o;
    o.accumulate = residual_;
    o.minmax = act_.minmax;
    size_t oy = p0 / g_.out_w, ox = p0 % g_.out_w;
    for (size_t p = p0; p < p1; p += kGemmMr) {
      const size_t count = std::min(kGemmMr, p1 - p);
      for (size_t r = 0; r < kGemmMr; ++r) {
        if (r >= count) {
          for (size_t t = 0; t < taps_; ++t) rows[t * kGemmMr + r] = zeros_.data();
          continue;
        }
        const size_t y0 = oy * g_.stride_h - g_.pad_top, x0 = ox * g_.stride_w - g_.pad_left;  // wrap in padding
        for (size_t ky = 0, t = 0; ky < g_.kernel_h; ++ky) {
          const size_t iy = y0 + ky * g_.dilation_h;
          for (size_t kx = 0; kx < g_.kernel_w; ++kx, ++t) {
            const size_t ix = x0 + kx * g_.dilation_w;
            rows[t * kGemmMr + r] =
                iy < g_.in_h && ix < g_.in_w ? image + (iy * g_.in_w + ix) * g_.in_channels : zeros_.data();
          }
        }
        if (++ox == g_.out_w) {
          ox = 0;
          ++oy;
        }
      }
      float* c = out + p * g_.out_channels;
      for (size_t group = 0; group < g_.groups; group += groups_per_call) {
        if (group > 0) {
          for (size_t i = 0; i < taps_ * kGemmMr; ++i) rows[i] += channel_step;
        }
        const float* weights = ctx.in_f32(1) + group * group_panels * panel_floats;
        float* cg = c + group * cout_g_;
        o.col_bias = bias ? bias + group * cout_g_ : nullptr;
        if (group_pairs_) {
          igemm_pairs_(count, taps_, cin_g_, rows, weights, panel_floats, cg, g_.out_channels, o);
          continue;
        }
        const size_t full_panels = cout_g_ / kGemmNr;
        if (full_panels > 0) {
          igemm_(count, taps_, cin_g_, rows, weights, panel_floats, full_panels, cg, g_.out_channels, o);
        }
        if (cout_g_ % kGemmNr) {
          tail_panel(count, rows, weights + full_panels * panel_floats, cg + full_panels * kGemmNr, o, full_panels);
        }
      }
      // A function activation (SiLU...) on the 4 pixels' every channel, now done and in cache.
      if (act_.fn) act_.apply(c, count * g_.out_channels);
    }
  }

  // The last 1-7 columns of a group: the tile runs full width on a copy (the columns past them
  // belong to the next group).
  void tail_panel(size_t count, const float* const* rows, const float* panel, float* c, F32GemmOutput o,
                  size_t full_panels) const {
    const size_t cols = cout_g_ % kGemmNr;
    float tile[kGemmMr * kGemmNr] = {}, bias[kGemmNr] = {};
    if (residual_) {
      for (size_t r = 0; r < count; ++r) {
        std::copy(c + r * g_.out_channels, c + r * g_.out_channels + cols, tile + r * kGemmNr);
      }
    }
    if (o.col_bias) {
      std::copy(o.col_bias + full_panels * kGemmNr, o.col_bias + full_panels * kGemmNr + cols, bias);
      o.col_bias = bias;
    }
    igemm_(count, taps_, cin_g_, rows, panel, 0, 1, tile, kGemmNr, o);
    for (size_t r = 0; r < count; ++r) {
      std::copy(tile + r * kGemmNr, tile + r * kGemmNr + cols, c + r * g_.out_channels);
    }
  }

  F32IgemmPanelsFn igemm_;
  F32IgemmGroupPairsFn igemm_pairs_;
  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
  size_t cin_g_, cout_g_, taps_;
  bool group_pairs_;
  std::vector<float> zeros_;  // a tap in padding reads these, at any group's channel offset
};

// Output rows over the pool, every pixel of a row vectorized across channels; the weights are
// input 1, or what the op made of it (static_quantized_depthwise_conv2d's, dequantized).
class DepthwiseConv2dNhwcKernel final : public OpKernel {
 public:
  DepthwiseConv2dNhwcKernel(F32DwConvFn dwconv, Conv2dGeometry g, FusedActivation act,
                            std::shared_ptr<const std::vector<float>> weights = nullptr)
      : dwconv_(dwconv), g_(g), act_(act), weights_(std::move(weights)) {}

  void run(const RunContext& ctx) const override {
    const size_t row_floats = g_.out_w * g_.out_channels;
    const float* weights = weights_ ? weights_->data() : ctx.in_f32(1);
    ctx.pool->parallelize(g_.batch * g_.out_h, 1, [&](size_t begin, size_t end) {
      dwconv_(g_, ctx.in_f32(0), weights, ctx.in_f32(2), act_.minmax, ctx.out_f32(0), begin, end,
              ctx.pool->thread_scratch(), ctx.pool->scratch_bytes() / sizeof(float));
      act_.apply(ctx.out_f32(0) + begin * row_floats, (end - begin) * row_floats);
    });
  }

 private:
  F32DwConvFn dwconv_;
  Conv2dGeometry g_;
  FusedActivation act_;
  std::shared_ptr<const std::vector<float>> weights_;
};

// Winograd F(4x4, 3x3) (kernels/f32_winograd.h): per image, the input tiles are transformed into
// V[36][tiles][Cin], 36 GEMMs multiply them by the weights transformed into panels
// U[36][Cout/8][Cin][8], and the output transform writes M[36][tiles][Cout] back as pixels. U is
// recomputed on every run rather than kept (it is four times the weights).
// The GEMMs are split over threads in one of two ways:
// - by positions: U is made first, in memory;
// - by panels, when U is large and V fits in L2 (14x14 layers of 256 channels: U 9.4 MiB, V 0.6):
//   each thread takes output panels and, a block of channels at a time, transforms their weights
//   into its scratch and runs their 36 GEMMs there, so U is never written to memory.
class WinogradConv2dNhwcKernel final : public OpKernel {
 public:
  // qc8w: the weights are static_quantized_conv2d's int8 panels, their scales input 4.
  WinogradConv2dNhwcKernel(const KernelTable* kernels, Conv2dGeometry g, FusedActivation act, bool residual,
                           bool qc8w)
      : kernels_(kernels),
        g_(g),
        act_(act),
        residual_(residual),
        qc8w_(qc8w),
        tiles_(winograd_tiles(g)),
        panels_(ceil_div(g.out_channels, kGemmNr)),
        by_panels_(split_by_panels(g)),
        u_stride_(by_panels_ ? 0 : winograd_pos_stride(panels_ * g.in_channels * kGemmNr)),
        v_stride_(winograd_pos_stride(tiles_ * g.in_channels)),
        m_stride_(winograd_pos_stride(tiles_ * g.out_channels)) {}
  // The output transform reads each residual element just before it writes that element.
  Aliasing output_aliasing() const override { return residual_ ? Aliasing::kInPlace : Aliasing::kNone; }
  size_t in_place_input() const override { return kResidualInput; }

  size_t workspace_bytes() const override {
    return kWinogradPositions * (u_stride_ + v_stride_ + m_stride_) * sizeof(float);
  }

  const char* algorithm() const override { return contract::kConvAlgorithmWinograd; }
  void run(const RunContext& ctx) const override {
    float* u = static_cast<float*>(ctx.workspace);
    float* v = u + kWinogradPositions * u_stride_;
    float* m = v + kWinogradPositions * v_stride_;
    if (!by_panels_) {
      ctx.pool->parallelize(panels_, 1, [&](size_t b, size_t e) {
        const WinogradWeightsBlock block{b, e, 0, g_.in_channels, u_stride_};
        transform_weights(ctx, u + b * g_.in_channels * kGemmNr, block);
      });
    }
    const size_t in_image = g_.in_h * g_.in_w * g_.in_channels, out_image = g_.out_h * g_.out_w * g_.out_channels;
    for (size_t n = 0; n < g_.batch; ++n) {
      const float* image = ctx.in_f32(0) + n * in_image;
      ctx.pool->parallelize(tiles_, 1, [&](size_t b, size_t e) {
        kernels_->winograd_input_nhwc(g_, image, v, v_stride_, b, e);
      });
      if (by_panels_) {
        ctx.pool->parallelize(panels_, 1, [&](size_t b, size_t e) { multiply_panels(ctx, v, m, b, e); });
      } else {
        ctx.pool->parallelize(kWinogradPositions, 1, [&](size_t b, size_t e) {
          const WinogradWeightsBlock all{0, panels_, 0, g_.in_channels, u_stride_};
          for (size_t pos = b; pos < e; ++pos) multiply(ctx, pos, v, u + pos * u_stride_, m, all);
        });
      }
      const float* residual = residual_ ? ctx.in_f32(kResidualInput) + n * out_image : nullptr;
      const WinogradOutputArgs out{m, m_stride_, ctx.in_f32(2), residual, act_.minmax, ctx.out_f32(0) + n * out_image};
      ctx.pool->parallelize(winograd_tiles_y(g_), 1, [&](size_t b, size_t e) { output_rows(out, b, e); });
    }
  }

 private:
  // By panels, V is read once per block of panels: it must stay in L2 (ResNet-18's 28x28 layers,
  // V 0.9 MiB, ran 1.4x slower at 2 threads by panels than by positions in Chromium).
  static bool split_by_panels(const Conv2dGeometry& g) {
    constexpr size_t kMaxVBytes = 768 << 10;
    const size_t v_bytes = kWinogradPositions * winograd_tiles(g) * g.in_channels * sizeof(float);
    return v_bytes <= kMaxVBytes && g.out_channels >= 4 * winograd_tiles(g);
  }

  // The block of U from the weights, float or int8 (dequantized as read).
  void transform_weights(const RunContext& ctx, float* u, const WinogradWeightsBlock& block) const {
    if (!qc8w_) {
      kernels_->winograd_weights_panels_nhwc(g_.in_channels, ctx.in_f32(1), u, block);
      return;
    }
    const Qc8wPanels w{static_cast<const int8_t*>(ctx.inputs[1]), ctx.in_f32(kQc8wScaleInput), g_.out_channels};
    kernels_->winograd_weights_qc8w_panels_nhwc(g_.in_channels, w, u, block);
  }

  // M[pos][all tiles][block's columns] (+)= V[pos][all tiles][block's channels] x U[pos], for
  // U[pos] the block's panels at `u`, on this thread.
  void multiply(const RunContext& ctx, size_t pos, const float* v, const float* u, float* m,
                const WinogradWeightsBlock& block) const {
    const size_t col0 = block.panel_begin * kGemmNr, cols = std::min(block.panel_end * kGemmNr, g_.out_channels) - col0;
    const size_t k = block.channel_end - block.channel_begin;
    const float* a = v + pos * v_stride_ + block.channel_begin;
    GemmShape shape{tiles_, cols, k, GemmBStorage::kPanels};
    shape.accumulate = block.channel_begin > 0;
    const GemmArgs args{kernels_, a, g_.in_channels, m + pos * m_stride_ + col0, g_.out_channels};
    run_gemm(plan_gemm_serial(shape), args, PanelB(u, k), *ctx.pool);
  }

  // Panels [b, e) of M over all tiles, U made a block at a time in the thread's scratch (which
  // a serial GEMM leaves alone: A is in place and B in panels).
  void multiply_panels(const RunContext& ctx, const float* v, float* m, size_t b, size_t e) const {
    constexpr size_t kScratchFloats = kOpThreadScratchBytes / sizeof(float);
    // Rows (panel x channel) a block may hold, with room for the stride's padding (under 32 floats).
    constexpr size_t kRows = (kScratchFloats / kWinogradPositions - 32) / kGemmNr;
    static_assert(kWinogradPositions * winograd_pos_stride(kRows * kGemmNr) <= kScratchFloats);
    const size_t cin = g_.in_channels, k_blocks = ceil_div(cin, kRows), kc = ceil_div(cin, k_blocks);
    const size_t block_panels = std::max<size_t>(1, kRows / kc);
    float* u = ctx.pool->thread_scratch();
    for (size_t p0 = b; p0 < e; p0 += block_panels) {
      const size_t p1 = std::min(e, p0 + block_panels);
      for (size_t c0 = 0; c0 < cin; c0 += kc) {
        const size_t c1 = std::min(cin, c0 + kc);
        const WinogradWeightsBlock block{p0, p1, c0, c1, winograd_pos_stride((p1 - p0) * (c1 - c0) * kGemmNr)};
        transform_weights(ctx, u, block);
        for (size_t pos = 0; pos < kWinogradPositions; ++pos)
          multiply(ctx, pos, v, u + pos * block.pos_stride, m, block);
      }
    }
  }

  // The output transform of tile rows [b, e), then the fused activation over their pixel rows.
  void output_rows(const WinogradOutputArgs& out, size_t b, size_t e) const {
    kernels_->winograd_output_nhwc(g_, out, b * winograd_tiles_x(g_), e * winograd_tiles_x(g_));
    const size_t row_floats = g_.out_w * g_.out_channels, row_end = std::min(g_.out_h, e * kWinogradTile);
    act_.apply(out.output + b * kWinogradTile * row_floats, (row_end - b * kWinogradTile) * row_floats);
  }

  const KernelTable* kernels_;
  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
  bool qc8w_;
  size_t tiles_, panels_;
  bool by_panels_;
  size_t u_stride_, v_stride_, m_stride_;  // floats from one position's plane to the next (0: not kept)
};

// Errors unless the NHWC GEMM-panel convolution `g` can run as `algorithm` (a node's attribute).
Status check_algorithm(const PrepareContext& ctx, const Conv2dGeometry& g, const std::string& algorithm) {
  if (algorithm == contract::kConvAlgorithmWinograd && !winograd_supports(g))
    return ctx.error("algorithm 'winograd' needs a 3x3 kernel, stride 1, dilation 1 and one group");
  if (algorithm == contract::kConvAlgorithmIndirect && !indirect_fits(g))
    return ctx.error("algorithm 'indirect' needs at most " + std::to_string(kIndirectMaxTaps) + " kernel taps");
  if (algorithm != contract::kConvAlgorithmWinograd && algorithm != contract::kConvAlgorithmIndirect &&
      algorithm != contract::kConvAlgorithmGemm)
    return ctx.error("algorithm must be 'gemm', 'indirect' or 'winograd', got " + quote(algorithm));
  return Status::ok();
}

}  // namespace

Result<ConvWeight> read_nhwc_conv_weight(const PrepareContext& ctx, int64_t in_channels, int64_t groups) {
  const Attributes& a = ctx.node.attributes;
  const Shape& w = ctx.input(1)->shape;
  WT_ASSIGN_OR_RETURN(std::string layout, a.get_string("weight_layout", ""));
  if (layout == contract::kWeightLayoutHwc) {
    WT_ASSIGN_OR_RETURN(int64_t out_channels, a.get_int("out_channels", in_channels));
    if (groups != in_channels || w[2] != in_channels || out_channels != in_channels) {
      return ctx.error("a depthwise hwc weight " + shape_to_string(w) +
                       " needs groups = channels = out_channels = " + std::to_string(in_channels));
    }
    return ConvWeight{in_channels, 1, w[0], w[1], true};
  }
  if (layout != contract::kWeightLayoutPanels8)
    return ctx.error("an NHWC conv2d needs weight_layout 'panels8' or 'hwc', got " + quote(layout));
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

std::unique_ptr<OpKernel> make_depthwise_conv2d_nhwc_kernel(const PrepareContext& ctx, const Conv2dGeometry& g,
                                                             FusedActivation act,
                                                             std::shared_ptr<const std::vector<float>> weights) {
  return std::make_unique<DepthwiseConv2dNhwcKernel>(ctx.kernel_table->dwconv_nhwc, g, act, std::move(weights));
}

Result<std::unique_ptr<OpKernel>> make_conv2d_nhwc_kernel(const PrepareContext& ctx, const Conv2dGeometry& g,
                                                          FusedActivation act, bool residual, bool depthwise_hwc) {
  const KernelTable& kernels = *ctx.kernel_table;
  if (depthwise_hwc) return make_kernel(DepthwiseConv2dNhwcKernel(kernels.dwconv_nhwc, g, act));
  // The algorithm O3's kernel tuning chose by timing, where it applies (checked wherever it is
  // set), else the heuristic's.
  WT_ASSIGN_OR_RETURN(std::string tuned, ctx.node.attributes.get_string("algorithm", ""));
  if (!tuned.empty()) WT_RETURN_IF_ERROR(check_algorithm(ctx, g, tuned));
  WT_ASSIGN_OR_RETURN(bool tuning_applies, ctx.tuning_applies());
  const std::string algorithm = !tuned.empty() && tuning_applies ? tuned
                                : winograd_applies(g)           ? contract::kConvAlgorithmWinograd
                                : indirect_preferred(g)         ? contract::kConvAlgorithmIndirect
                                                                : contract::kConvAlgorithmGemm;
  if (algorithm == contract::kConvAlgorithmWinograd)
    return make_kernel(WinogradConv2dNhwcKernel(&kernels, g, act, residual, false));
  if (algorithm == contract::kConvAlgorithmIndirect)
    return make_kernel(IndirectConv2dNhwcKernel(&kernels, g, act, residual));
  WT_ASSIGN_OR_RETURN(size_t depth_block, ctx.gemm_depth_block());
  return make_kernel(GemmConv2dNhwcKernel(ctx, g, act, residual, depth_block));
}

Result<std::unique_ptr<OpKernel>> make_winograd_qc8w_conv2d_nhwc_kernel(const PrepareContext& ctx,
                                                                        const Conv2dGeometry& g, FusedActivation act,
                                                                        bool residual) {
  WT_RETURN_IF_ERROR(check_algorithm(ctx, g, contract::kConvAlgorithmWinograd));
  return make_kernel(WinogradConv2dNhwcKernel(ctx.kernel_table, g, act, residual, true));
}

}  // namespace wt
