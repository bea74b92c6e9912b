// static_quantized_conv2d: a convolution (NHWC, any groups but depthwise ones: those are
// static_quantized_dwconv2d.cc's) in int8 with calibrated activations.
// x [N, H, W, C] is quantized once with the node's input_scale, input_zero_point and input_bits
// (kernels/qd8_gemm.h's qu8), each output pixel's im2col row (ky, kx, c) of a group's channels
// is gathered from the quantized image (read in place for one-group 1x1 stride-1 convolutions over
// as many channels as a row holds) and multiplied with the group's int8 weight panels by the 4x8c2
// tile, or for 7-bit inputs where the kernel table has it the byte tile (relaxed SIMD's int8 dot,
// weights re-laid in quads when the op is prepared), or for 8-bit ones of at most 254 (input_max)
// the split tile (the same dot on each value's two 7-bit halves, made from the gathered bytes per
// task), which dequantize on store: y = sum *
// input_scale * w_scale[o] + bias[o] (+ residual), then the fused activation; both tiles' sums are
// the same integers. Inputs: 0 x; 1 Wq int8 panels [groups x ceil(O / groups / 8), Kp / 2, 8, 2]
// (each group's output channels in panels of their own; K = kh*kw*C/groups rows (ky, kx, c),
// rounded up to 2; zero past K and past the group's channels); 2 bias f32 [O] (optional); 3
// residual [N, OH, OW, O] (optional); 4 the weights' scales f32 [O]. Attributes as conv2d's with
// layout = "nhwc", kernel_size and out_channels, plus input_scale, input_zero_point and input_bits
// (7 or 8, default 8). 3x3 stride-1 convolutions the float path would run as Winograd run it here
// too, in float from the int8 weights (conv2d_nhwc.cc), except on the byte tile (below). In an int8
// region (ops/common/static_quantization.h) x may be bytes already, read as they are (widened to
// int16 for the 4x8c2 tile), and with output_* attributes the outputs are requantized to bytes by
// the tiles' epilogue (or, after an activation the tiles do not apply, from a float block in the
// task's scratch, in cache): no float tensor between two such layers.
#include <algorithm>
#include <optional>
#include <type_traits>
#include <utility>

#include "kernels/f32_conv2d.h"
#include "kernels/qd8_gemm.h"
#include "ops/common/conv_geometry.h"
#include "ops/conv2d.h"
#include "ops/common/fused_activation.h"
#include "ops/common/static_quantization.h"

namespace wt {
namespace {

constexpr size_t kWeightScaleInput = kQc8wScaleInput;
// Output pixels a task gathers and multiplies at most: their rows stay in L2 while each panel of
// eight output channels' weights (8 x Kp bytes) is read from L1 by all of them.
constexpr size_t kMaxBlockPixels = 64;

class StaticQuantizedConv2dNhwcKernel final : public OpKernel {
 public:
  StaticQuantizedConv2dNhwcKernel(const PrepareContext& ctx, Conv2dGeometry g, FusedActivation act, bool residual,
                                  ActivationQuantization input, bool bytes_in,
                                  std::optional<ActivationQuantization> output, size_t block_pixels,
                                  std::shared_ptr<const BytePanels> bytes, bool split)
      : kernels_(ctx.kernel_table),
        g_(g),
        act_(act),
        residual_(residual),
        input_(input),
        bytes_in_(bytes_in),
        output_(output),
        bytes_(std::move(bytes)),
        split_(split),
        kp_(bytes_ ? bytes_->kp : qd8_panel_padded_k(k())),
        in_place_(g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                  g.pad_left == 0 && g.groups == 1 && g.in_channels == kp_),
        block_pixels_(block_pixels) {
    // Few blocks (7x7 outputs) leave threads idle: their columns are split too.
    const size_t blocks = ceil_div(pixels(), block_pixels_) * g.groups, wanted = 4 * ctx.threads;
    const size_t panels = group_panels();
    const size_t chunks = blocks >= wanted ? 1 : std::min(ceil_div(wanted, blocks), panels);
    column_chunk_ = ceil_div(panels, chunks) * kQd8PanelNr;
    halves_offset_ = in_place_ ? 0 : block_pixels_ * kp_;
    if (output_) {  // prepare left at least 8 floats a pixel past the rows (and their alignment)
      const size_t row_bytes = split_ ? halves_offset_ + block_pixels_ * 2 * kp_
                                      : in_place_ ? 0 : block_pixels_ * kp_ * (bytes_ ? 1 : sizeof(int16_t));
      block_floats_offset_ = aligned_size(row_bytes) / sizeof(float);
      const size_t room = kOpThreadScratchBytes / sizeof(float) - block_floats_offset_;
      block_columns_ = std::min(column_chunk_, room / block_pixels_ / kQd8PanelNr * kQd8PanelNr);
    }
  }

  // A float output may be written over the float residual; bytes are written apart.
  Aliasing output_aliasing() const override {
    return residual_ && !output_ ? Aliasing::kInPlace : Aliasing::kNone;
  }
  size_t in_place_input() const override { return kResidualInput; }
  // The quantized input image: int16 values q, or bytes u = q + zero_point on the byte path (none
  // when the input is those bytes already).
  size_t workspace_bytes() const override {
    return bytes_ ? (bytes_in_ ? 0 : input_elements()) : input_elements() * sizeof(int16_t);
  }

  void run(const RunContext& ctx) const override {
    const size_t n = input_elements();
    const auto* xu = static_cast<const uint8_t*>(ctx.inputs[0]);
    if (bytes_) {
      auto* quantized = static_cast<uint8_t*>(ctx.workspace);
      if (!bytes_in_) quantize_static_input(ctx, kernels_->qu8_quantize_to_u8, input_.params, n, ctx.in_f32(0), quantized);
      run_on(ctx, bytes_in_ ? xu : quantized, static_cast<uint8_t>(input_.zero_point));
    } else {
      auto* xq = static_cast<int16_t*>(ctx.workspace);
      if (bytes_in_) {
        parallelize_elements(ctx, n, [&](size_t from, size_t to) {
          kernels_->qu8_widen(to - from, xu + from, input_.zero_point, xq + from);
        });
      } else {
        quantize_static_input(ctx, kernels_->qu8_quantize, input_.params, n, ctx.in_f32(0), xq);
      }
      run_on(ctx, xq, int16_t{0});
    }
  }

 private:
  size_t group_in() const { return g_.in_channels / g_.groups; }
  size_t group_out() const { return g_.out_channels / g_.groups; }
  size_t group_panels() const { return ceil_div(group_out(), kQd8PanelNr); }
  size_t k() const { return g_.kernel_h * g_.kernel_w * group_in(); }
  size_t input_elements() const { return g_.batch * g_.in_h * g_.in_w * g_.in_channels; }
  size_t pixels() const { return g_.batch * g_.out_h * g_.out_w; }

  // T: int16_t (q, the 4x8c2 tile) or uint8_t (u, the byte tile); `padding` is what 0.0 quantizes to.
  template <typename T>
  void run_on(const RunContext& ctx, const T* xq, T padding) const {
    if (residual_ && !output_) copy_residual(ctx, pixels() * g_.out_channels);
    const size_t blocks = ceil_div(pixels(), block_pixels_), chunks = ceil_div(group_out(), column_chunk_);
    const size_t per_block = g_.groups * chunks;
    ctx.pool->parallelize(blocks * per_block, 1, [&](size_t begin, size_t end) {
      auto* rows = reinterpret_cast<T*>(ctx.pool->thread_scratch());
      float* outputs = ctx.pool->thread_scratch() + block_floats_offset_;  // requantizing only
      for (size_t task = begin; task < end; ++task) {
        const size_t block = task / per_block, group = task % per_block / chunks, chunk = task % chunks;
        const size_t p0 = block * block_pixels_, count = std::min(block_pixels_, pixels() - p0);
        const T* a = in_place_ ? xq + p0 * g_.in_channels : gather_rows(xq, p0, count, group, padding, rows);
        if constexpr (std::is_same_v<T, uint8_t>) {
          if (split_) a = to_halves(a, count, reinterpret_cast<uint8_t*>(rows) + halves_offset_);
        }
        const size_t col0 = chunk * column_chunk_, col1 = std::min(group_out(), col0 + column_chunk_);
        multiply(ctx, a, p0, count, group, col0, col1, outputs);
      }
    });
  }

  // The im2col rows of output pixels [p0, p0 + count) into `rows` ([count, Kp]): each tap's
  // quantized channels of `group`, `padding` where it falls in padding, zeros past K.
  template <typename T>
  const T* gather_rows(const T* xq, size_t p0, size_t count, size_t group, T padding, T* rows) const {
    const size_t channels = g_.in_channels, c = group_in(), plane = g_.out_h * g_.out_w;
    for (size_t i = 0; i < count; ++i) {
      const size_t p = p0 + i, n = p / plane, oy = p % plane / g_.out_w, ox = p % g_.out_w;
      const T* image = xq + n * g_.in_h * g_.in_w * channels + group * c;
      T* row = rows + i * kp_;
      const size_t y0 = oy * g_.stride_h - g_.pad_top, x0 = ox * g_.stride_w - g_.pad_left;  // wrap in padding
      // A kernel row wholly inside the image, taps adjacent (one group): one copy (a stem's 3
      // channels a tap would otherwise take a call per 3 bytes).
      const bool whole_rows =
          g_.groups == 1 && g_.dilation_w == 1 && x0 < g_.in_w && g_.kernel_w <= g_.in_w - x0;
      for (size_t ky = 0; ky < g_.kernel_h; ++ky) {
        const size_t iy = y0 + ky * g_.dilation_h;
        if (whole_rows && iy < g_.in_h) {
          copy_short(row, image + (iy * g_.in_w + x0) * channels, g_.kernel_w * c * sizeof(T));
          row += g_.kernel_w * c;
          continue;
        }
        for (size_t kx = 0; kx < g_.kernel_w; ++kx, row += c) {
          const size_t ix = x0 + kx * g_.dilation_w;
          if (iy < g_.in_h && ix < g_.in_w) {
            copy_short(row, image + (iy * g_.in_w + ix) * channels, c * sizeof(T));  // a group's few channels
          } else {
            std::fill(row, row + c, padding);
          }
        }
      }
      std::fill(row, rows + (i + 1) * kp_, T{0});
    }
    return rows;
  }

  // The split tile's rows: each of `count` rows of Kp bytes at `a` as its halves, into `halves`.
  const uint8_t* to_halves(const uint8_t* a, size_t count, uint8_t* halves) const {
    for (size_t r = 0; r < count; ++r) kernels_->qu8_bytes_to_halves(kp_, a + r * kp_, halves + r * 2 * kp_);
    return halves;
  }

  // The rows' stride: two halves a value on the split tile, else Kp (rows read in place have
  // exactly Kp channels).
  size_t lda() const { return split_ ? 2 * kp_ : kp_; }

  // Output channels [local0, local1) of `group` of `count` pixels from p0, their rows at `a`
  // (lda()). `scratch`: the thread's, past the gathered rows.
  template <typename T>
  void multiply(const RunContext& ctx, const T* a, size_t p0, size_t count, size_t group, size_t local0,
                size_t local1, float* scratch) const {
    const size_t lda = this->lda(), ldc = g_.out_channels;
    const size_t col0 = group * group_out() + local0, col1 = group * group_out() + local1;
    if (!output_) {
      float* y = ctx.out_f32(0) + p0 * ldc;
      multiply_into(ctx, a, lda, count, group, col0, col1, y + col0, ldc);
      if (act_.fn) {
        for (size_t r = 0; r < count; ++r) act_.apply(y + r * ldc + col0, col1 - col0);
      }
      return;
    }
    const float* residual = ctx.in_f32(kResidualInput);
    auto* y = static_cast<uint8_t*>(ctx.outputs[0]) + p0 * ldc;
    if (!act_.fn) {  // the tiles requantize as they store (their clamp is the activation)
      float* from = residual_ ? const_cast<float*>(residual) + p0 * ldc + col0 : scratch;  // only read
      multiply_into(ctx, a, lda, count, group, col0, col1, from, residual_ ? ldc : 0, y + col0);
      return;
    }
    // An activation the tiles do not apply: block_columns_ channels at a time into `scratch`
    // ([count][width] floats, in cache), which takes the residual and the activation there and is
    // quantized row by row into the output's bytes.
    for (size_t c0 = col0; c0 < col1; c0 += block_columns_) {
      const size_t width = std::min(block_columns_, col1 - c0);
      for (size_t r = 0; residual_ && r < count; ++r) {
        const float* from = residual + (p0 + r) * ldc + c0;
        std::copy(from, from + width, scratch + r * width);
      }
      multiply_into(ctx, a, lda, count, group, c0, c0 + width, scratch, width);
      act_.apply(scratch, count * width);
      for (size_t r = 0; r < count; ++r) {
        kernels_->qu8_quantize_to_u8(width, scratch + r * width, output_->params, y + r * ldc + c0);
      }
    }
  }

  // The tiles over output channels [col0, col1) of `group` of `count` rows at `a` into c (c[r * ldc
  // + j]: row r, channel col0 + j), the epilogue's accumulate reading what c holds when there is a
  // residual; or, with `bytes` (laid out as the output), requantized into them, c only read.
  template <typename T>
  void multiply_into(const RunContext& ctx, const T* a, size_t lda, size_t count, size_t group, size_t col0,
                     size_t col1, float* c, size_t ldc, uint8_t* bytes = nullptr) const {
    constexpr size_t kTileRows = std::is_same_v<T, uint8_t> ? kQu8PanelMr : kQd8PanelMr;
    // The group's panels (and the byte tile's column offsets) start at its first panel; its
    // channels' scales and biases at its first output channel.
    const size_t first = group * group_out(), group_columns = group * group_panels() * kQd8PanelNr;
    const auto* w = (bytes_ ? bytes_->panels() : static_cast<const int8_t*>(ctx.inputs[1])) + group_columns * kp_;
    const int32_t* offsets = bytes_ ? bytes_->offsets() + group_columns : nullptr;
    const float* w_scale = ctx.in_f32(kWeightScaleInput);
    const float* bias = ctx.in_f32(2);
    float a_scale[kTileRows];
    std::fill(a_scale, a_scale + kTileRows, input_.scale);
    for (size_t col = col0; col < col1; col += kQd8PanelNr) {
      const size_t local = col - first;
      Qd8Output out{a_scale, w_scale + col, bias ? bias + col : nullptr, residual_, act_.minmax,
                    offsets ? offsets + local : nullptr};
      if (bytes) {
        out.requantize = &output_->params;
        out.ld_bytes = g_.out_channels;
      }
      const size_t cols = std::min(kQd8PanelNr, col1 - col);
      for (size_t r = 0; r < count; r += kTileRows) {
        const size_t rows = std::min(kTileRows, count - r);
        float* at = c + r * ldc + (col - col0);
        if (bytes) out.bytes = bytes + r * g_.out_channels + (col - col0);
        if constexpr (std::is_same_v<T, uint8_t>) {
          const Qu8PanelGemmFn tile = split_ ? kernels_->qu8_gemm_5x8c4_split : kernels_->qu8_gemm_5x8c4;
          tile(rows, cols, kp_, a + r * lda, lda, w + local * kp_, at, ldc, out);
        } else {
          kernels_->qd8_gemm_4x8c2(rows, cols, kp_, a + r * lda, lda, w + local * kp_, at, ldc, out);
        }
      }
    }
  }

  const KernelTable* kernels_;
  Conv2dGeometry g_;
  FusedActivation act_;
  bool residual_;
  ActivationQuantization input_;
  bool bytes_in_;                                 // x is bytes u already (inside an int8 region)
  std::optional<ActivationQuantization> output_;  // set: the output is bytes, requantized so
  std::shared_ptr<const BytePanels> bytes_;       // null on the 4x8c2 path
  bool split_;                                    // bytes of 8-bit inputs, multiplied as two 7-bit halves
  size_t kp_;
  bool in_place_;  // rows read from the quantized input itself (the split tile's halves: in scratch)
  size_t halves_offset_ = 0;  // the split tile's rows in the thread's scratch, past the gathered rows
  size_t block_pixels_, column_chunk_ = 0;
  // Requantizing: the float block's place in the thread's scratch (in floats, past the gathered
  // rows) and the channels it holds.
  size_t block_floats_offset_ = 0, block_columns_ = 0;
};

Result<std::unique_ptr<OpKernel>> prepare_static_quantized_conv2d(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("layout", ""));
  if (layout != "nhwc") return ctx.error("static_quantized_conv2d runs NHWC only (layout 'nhwc'), got " + quote(layout));
  WT_ASSIGN_OR_RETURN(ConvAttributes c, read_conv_attributes(ctx, kWeightScaleInput + 1, 4, DType::kInt8, true));
  WT_ASSIGN_OR_RETURN(bool bytes_in, read_static_input_bytes(ctx));
  const auto& [stride, padding, dilation, groups] = c;
  WT_RETURN_IF_ERROR(ctx.expect_input(kWeightScaleInput, DType::kFloat32, 1, 1));
  const Attributes& a = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(int64_t out_channels, a.get_int("out_channels"));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, a.get_ints("kernel_size", 2));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  if (out_channels < 1 || x[3] % groups != 0 || out_channels % groups != 0) {
    return ctx.error("groups=" + std::to_string(groups) + " does not divide the input's " + std::to_string(x[3]) +
                     " channels and the " + std::to_string(out_channels) + " output channels");
  }
  const Result<int64_t> k = checked_numel({kernel[0], kernel[1], x[3] / groups});
  if (kernel[0] < 1 || kernel[1] < 1 || !k.is_ok()) {
    return ctx.error("kernel_size [" + std::to_string(kernel[0]) + ", " + std::to_string(kernel[1]) +
                     "] is out of range");
  }
  const auto kp = static_cast<int64_t>(qd8_panel_padded_k(static_cast<size_t>(k.value())));
  // A group's output channels in panels of 8, the groups' panels one after another.
  const auto group_panels = static_cast<int64_t>(ceil_div(static_cast<size_t>(out_channels / groups), kQd8PanelNr));
  const Result<int64_t> panels = checked_numel({groups, group_panels});
  const Shape expected{panels.is_ok() ? panels.value() : -1, kp / 2, int64_t{kQd8PanelNr}, int64_t{kQd8PanelKr}};
  if (w != expected) {
    return ctx.error("int8 weight of shape " + shape_to_string(w) + " is not the panels [groups " +
                     std::to_string(groups) + " x ceil(out_channels " + std::to_string(out_channels) +
                     " / groups / 8), kh*kw*C/groups = " + std::to_string(k.value()) + " rounded up to 2, halved, 8, 2]");
  }
  if (ctx.input(kWeightScaleInput)->shape != Shape{out_channels}) {
    return ctx.error("weight scales of shape " + shape_to_string(ctx.input(kWeightScaleInput)->shape) +
                     " are not one per output channel (" + std::to_string(out_channels) + ")");
  }
  WT_RETURN_IF_ERROR(check_conv_bias(ctx, out_channels));
  WT_ASSIGN_OR_RETURN(int64_t out_h, conv_output_size(ctx, x[1], kernel[0], stride[0], padding[0], dilation[0], false));
  WT_ASSIGN_OR_RETURN(int64_t out_w, conv_output_size(ctx, x[2], kernel[1], stride[1], padding[1], dilation[1], false));
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  WT_ASSIGN_OR_RETURN(ActivationQuantization input, read_static_input_quantization(ctx));
  WT_ASSIGN_OR_RETURN(std::optional<ActivationQuantization> output, read_static_output_quantization(ctx));
  const Shape out_shape{x[0], out_h, out_w, out_channels};
  WT_ASSIGN_OR_RETURN(bool residual, read_residual(ctx, out_shape));
  ctx.outputs->push_back({static_output_dtype(output), out_shape});
  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  const Conv2dGeometry g{z(x[0]),       z(x[3]),        z(x[1]),        z(x[2]),      z(out_channels), z(out_h),
                         z(out_w),      z(kernel[0]),   z(kernel[1]),   z(stride[0]), z(stride[1]),    z(padding[0]),
                         z(padding[1]), z(dilation[0]), z(dilation[1]), z(groups)};
  // 3x3 stride-1 convolutions (one group) run Winograd in float from the int8 weights where the float heuristic
  // would (it does a quarter of the multiplications; the 4x8c2 tile multiplies at most ~1.3x
  // faster than f32 on SIMD128), unless the byte tile runs: it multiplies ~4x faster, more than
  // Winograd saves (ResNet-18 in Chromium: 1.67x its float time with every 3x3 on the byte tile,
  // 1.50x with them in Winograd). Or as the attribute algorithm says. So a 7-bit file computes its
  // 3x3 convolutions in int8 where the engine has an exact relaxed int8 dot and in float Winograd
  // elsewhere: outputs differ there by the input's quantization, within what static INT8 costs.
  const bool byte_tile = runs_byte_tile(ctx, input);
  // 8-bit inputs of at most kQu8HalvesMaxByte on the split tile (two int8 dots a quad, each row's
  // bytes made halves once a task): the 4x8c2 tile otherwise, at SIMD128's int16 rate (PT2E's
  // MobileNetV2 in Chromium: float speed with every convolution there).
  const bool split = !byte_tile && runs_split_byte_tile(ctx, input);
  WT_ASSIGN_OR_RETURN(std::string algorithm, ctx.node.attributes.get_string("algorithm", ""));
  if (algorithm.empty()) {
    algorithm = winograd_applies(g) && !byte_tile ? contract::kConvAlgorithmWinograd : contract::kConvAlgorithmGemm;
  }
  if (algorithm == contract::kConvAlgorithmWinograd) {
    WT_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> winograd, make_winograd_qc8w_conv2d_nhwc_kernel(ctx, g, act, residual));
    return with_region_edges(ctx, std::move(winograd), input, bytes_in, output, g.batch * g.in_h * g.in_w * g.in_channels,
                             g.batch * g.out_h * g.out_w * g.out_channels);
  }
  if (algorithm != contract::kConvAlgorithmGemm)
    return ctx.error("algorithm must be 'gemm' or 'winograd', got " + quote(algorithm));
  // A block is whole tiles (4 rows, the byte tile's 5), and a tile's rows at least must fit a
  // thread's scratch.
  const size_t tile_rows = byte_tile || split ? kQu8PanelMr : kQd8PanelMr;
  // Requantizing, a task's scratch also holds a float block of at least 8 channels a pixel; the
  // split tile's a pixel's gathered bytes and their halves.
  const size_t row_bytes = static_cast<size_t>(kp) * (split ? 3 : sizeof(int16_t)) +
                           (output ? kQd8PanelNr * sizeof(float) : 0);
  const size_t room = kOpThreadScratchBytes - (output ? 64 : 0);
  const size_t block_pixels = std::min(kMaxBlockPixels, room / row_bytes) / tile_rows * tile_rows;
  if (block_pixels < tile_rows) {
    return ctx.error("kh*kw*C = " + std::to_string(k.value()) + " is too deep for the int8 convolution's rows (" +
                     std::to_string(kOpThreadScratchBytes) + " bytes of scratch)");
  }
  std::shared_ptr<const BytePanels> bytes;
  if (byte_tile || split) {
    // The file's panels [groups x ceil(O / groups / 8)][Kp2 / 2][8][2], Kp2 = K rounded up to 2:
    // columns j of all the panels, each group's padded to whole panels (zero weights).
    const auto* from = static_cast<const int8_t*>(ctx.input(1)->constant_data);
    const size_t kp2 = static_cast<size_t>(kp), columns = static_cast<size_t>(panels.value()) * kQd8PanelNr;
    WT_ASSIGN_OR_RETURN(bytes, byte_panels(ctx, columns, static_cast<size_t>(k.value()), input.zero_point,
                                                [&](size_t j, size_t i) {
                                                  return from[((j / kQd8PanelNr * kp2 + i) / kQd8PanelKr * kQd8PanelNr +
                                                               j % kQd8PanelNr) * kQd8PanelKr + i % kQd8PanelKr];
                                                }));
  }
  return make_kernel(StaticQuantizedConv2dNhwcKernel(ctx, g, act, residual, input, bytes_in, output, block_pixels,
                                                     std::move(bytes), split));
}

}  // namespace

extern const OpDef kStaticQuantizedConv2dOp = {
    "static_quantized_conv2d", prepare_static_quantized_conv2d, "float32 or uint8 (int8 weights)",
    "NHWC convolution (groups: below), int8 weight panels [ceil(O / 8), kh*kw*C rounded up to 2 / 2, 8, 2] with "
    "per-channel scales (input 4); x quantized with the calibrated input_scale, input_zero_point and input_bits "
    "(8, or 7: relaxed SIMD's int8 dot where the engine's is exact; 8 with input_max 254: the same dot on two 7-bit "
    "halves), int32 sums dequantized on store; fused "
    "activations and residual as conv2d's; groups: each group's channels gathered and its own panels multiplied "
    "(weight [groups x ceil(O / groups / 8), ...]); 3x3 stride 1, one group, where Winograd applies and the int8 dot does not run (or "
    "algorithm = winograd|gemm): Winograd in float, the weights dequantized as transformed; int8 regions: x may "
    "be uint8, read as quantized with input_*, and output_scale, output_zero_point and output_bits make the "
    "output uint8, requantized as the op stores it"};

}  // namespace wt
