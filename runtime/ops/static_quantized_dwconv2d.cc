// static_quantized_depthwise_conv2d: a depthwise convolution (NHWC, channel multiplier 1) in int8
// with calibrated activations. x [N, H, W, C] is quantized once with the node's input_scale,
// input_zero_point and input_bits (kernels/qd8_gemm.h's qu8), and the int8 kernel
// (kernels/qu8_dwconv2d.h) sums each output over its taps on relaxed SIMD's int8 dot and
// dequantizes on store: y = sum * (input_scale * w_scale[c]) + bias[c], then the fused activation.
// That needs 7-bit inputs, an engine whose int8 dot is exact (the kernel table has it) and stride 1;
// elsewhere the layer runs the float depthwise kernel on the weights dequantized when the op is
// prepared, so outputs differ between engines by the input's quantization. SIMD128's int8
// multiplies are no faster than its f32 ones at 9-25 taps a channel, and at stride 2 the input's
// quantization reads an image four times the output's size from memory. In Chromium on this
// project's Xeon (per-op profile, 1 thread), against the float kernel: MobileNetV2's stride-1
// layers 0.78-1.05x its time, EfficientNet-B0's 5x5 ones 0.61-0.70x, the stride-2 ones 1.5-1.8x.
// In an int8 region (ops/common/static_quantization.h) x may be bytes already, and with output_*
// attributes each task requantizes the rows it computed to bytes while they are in cache.
// Inputs: 0 x; 1 Wq int8 [kh*kw, C] (rows taps (ky, kx), as the float op's [kh, kw, C]); 2 bias
// f32 [C] (optional); 3 unused (no residual); 4 the weights' scales f32 [C]. Attributes as
// conv2d's with layout = "nhwc", groups = C and kernel_size, plus input_scale, input_zero_point and
// input_bits (7 or 8, default 8).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/qu8_dwconv2d.h"
#include "ops/common/conv_geometry.h"
#include "ops/common/fused_activation.h"
#include "ops/common/static_quantization.h"
#include "ops/conv2d.h"

namespace wt {
namespace {

constexpr size_t kWeightScaleInput = kQc8wScaleInput;
// Requantizing, the float outputs a task computes before it quantizes them (32 KiB: in L1).
constexpr size_t kRequantizedFloats = 8 * 1024;

// The int8 kernel's weights, made once per weight constant and zero point: the column quads and
// each channel's zero_point x weight sum, Cp channels (zero past C).
struct DwQuads {
  std::vector<int8_t> quads;
  std::vector<int32_t> column_offset;
};

class StaticQuantizedDwConv2dNhwcKernel final : public OpKernel {
 public:
  StaticQuantizedDwConv2dNhwcKernel(const PrepareContext& ctx, Conv2dGeometry g, FusedActivation act,
                                    ActivationQuantization input, bool bytes_in,
                                    std::optional<ActivationQuantization> output, std::shared_ptr<const DwQuads> quads)
      : kernels_(ctx.kernel_table),
        g_(g),
        act_(act),
        input_(input),
        bytes_in_(bytes_in),
        output_(output),
        quads_(std::move(quads)) {
    const size_t channels = g.in_channels, cp = qu8_dw_padded_channels(channels);
    // The kernel reads Cp of each (prepare checked both are constants).
    const auto* w_scale = static_cast<const float*>(ctx.input(kWeightScaleInput)->constant_data);
    scale_.assign(cp, 0.f);
    for (size_t c = 0; c < channels; ++c) scale_[c] = input.scale * w_scale[c];
    bias_.assign(cp, 0.f);
    if (ctx.input(2) != nullptr) {
      const auto* bias = static_cast<const float*>(ctx.input(2)->constant_data);
      std::copy(bias, bias + channels, bias_.begin());
    }
  }

  // The quantized image (unless it is the input), then the float output when it is requantized.
  size_t workspace_bytes() const override { return float_output_offset() + (output_ ? output_elements() * 4 : 0); }

  void run(const RunContext& ctx) const override {
    auto* xu = static_cast<uint8_t*>(ctx.workspace);
    if (!bytes_in_) {
      quantize_static_input(ctx, kernels_->qu8_quantize_to_u8, input_.params, input_elements(), ctx.in_f32(0), xu);
    }
    const uint8_t* image = bytes_in_ ? static_cast<const uint8_t*>(ctx.inputs[0]) : xu;
    float* y = output_ ? reinterpret_cast<float*>(static_cast<char*>(ctx.workspace) + float_output_offset())
                       : ctx.out_f32(0);
    const Qu8DwWeights w{quads_->quads.data(), quads_->column_offset.data(), scale_.data(), bias_.data(),
                         static_cast<uint8_t>(input_.zero_point)};
    const size_t row_floats = g_.out_w * g_.in_channels;
    // Requantizing, a task computes its rows a few at a time, each few quantized while in cache.
    const size_t step = output_ ? std::max<size_t>(1, kRequantizedFloats / row_floats) : g_.batch * g_.out_h;
    ctx.pool->parallelize(g_.batch * g_.out_h, 1, [&](size_t begin, size_t end) {
      for (size_t r0 = begin; r0 < end; r0 += step) {
        const size_t r1 = std::min(end, r0 + step);
        kernels_->qu8_dwconv_nhwc(g_, image, w, act_.minmax, y, r0, r1,
                                  reinterpret_cast<uint8_t*>(ctx.pool->thread_scratch()), ctx.pool->scratch_bytes());
        const size_t from = r0 * row_floats, n = (r1 - r0) * row_floats;
        act_.apply(y + from, n);
        if (output_) {
          kernels_->qu8_quantize_to_u8(n, y + from, output_->params, static_cast<uint8_t*>(ctx.outputs[0]) + from);
        }
      }
    });
  }

 private:
  size_t input_elements() const { return g_.batch * g_.in_h * g_.in_w * g_.in_channels; }
  size_t output_elements() const { return g_.batch * g_.out_h * g_.out_w * g_.in_channels; }
  size_t float_output_offset() const { return bytes_in_ ? 0 : aligned_size(input_elements()); }

  const KernelTable* kernels_;
  Conv2dGeometry g_;
  FusedActivation act_;
  ActivationQuantization input_;
  bool bytes_in_;                                 // x is bytes u already (inside an int8 region)
  std::optional<ActivationQuantization> output_;  // set: the output is bytes, requantized so
  std::shared_ptr<const DwQuads> quads_;
  std::vector<float> scale_, bias_;  // Cp long, zero past C: input_scale x the weight scales, the bias
};

// The int8 weights [taps][C] as column quads, shared by the ops that read the same constant.
std::shared_ptr<const DwQuads> dw_quads(const PrepareContext& ctx, const Conv2dGeometry& g, int zero_point) {
  const void* constant = ctx.input(1)->constant_data;
  const std::string kind = "depthwise column quads " + std::to_string(g.kernel_h) + "x" + std::to_string(g.kernel_w) +
                           "x" + std::to_string(g.in_channels) + ", zero point " + std::to_string(zero_point);
  if (ctx.derived_weights != nullptr) {
    if (auto made = ctx.derived_weights->find(constant, kind)) return std::static_pointer_cast<const DwQuads>(made);
  }
  const size_t cp = qu8_dw_padded_channels(g.in_channels);
  auto made = std::make_shared<DwQuads>();
  made->quads.resize(qu8_dw_row_quads(g.kernel_h) * g.kernel_w * cp * kQu8DwRowsPerQuad);
  made->column_offset.resize(cp);
  qu8_dw_pack_weights(g, static_cast<const int8_t*>(constant), zero_point, made->quads.data(),
                      made->column_offset.data());
  if (ctx.derived_weights != nullptr) ctx.derived_weights->store(constant, kind, made);
  return made;
}

// The weights dequantized, [kh, kw, C] f32, for the float kernel.
std::shared_ptr<const std::vector<float>> dequantized_weights(const PrepareContext& ctx, size_t taps,
                                                              size_t channels) {
  const void* constant = ctx.input(1)->constant_data;
  const auto* scales = static_cast<const float*>(ctx.input(kWeightScaleInput)->constant_data);
  // Keyed by the shape and the scales too: a file may pair one weight constant with two sets of them.
  const std::string kind = "depthwise weights " + std::to_string(taps) + "x" + std::to_string(channels) +
                           " dequantized by the scales at " + std::to_string(reinterpret_cast<uintptr_t>(scales));
  if (ctx.derived_weights != nullptr) {
    if (auto made = ctx.derived_weights->find(constant, kind)) {
      return std::static_pointer_cast<const std::vector<float>>(made);
    }
  }
  const auto* w = static_cast<const int8_t*>(constant);
  auto made = std::make_shared<std::vector<float>>(taps * channels);
  for (size_t t = 0; t < taps; ++t) {
    for (size_t c = 0; c < channels; ++c) (*made)[t * channels + c] = static_cast<float>(w[t * channels + c]) * scales[c];
  }
  if (ctx.derived_weights != nullptr) ctx.derived_weights->store(constant, kind, made);
  return made;
}

Result<std::unique_ptr<OpKernel>> prepare_static_quantized_depthwise_conv2d(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("layout", ""));
  if (layout != "nhwc") {
    return ctx.error("static_quantized_depthwise_conv2d runs NHWC only (layout 'nhwc'), got " + quote(layout));
  }
  WT_ASSIGN_OR_RETURN(ConvAttributes c, read_conv_attributes(ctx, kWeightScaleInput + 1, 2, DType::kInt8, true));
  WT_ASSIGN_OR_RETURN(bool bytes_in, read_static_input_bytes(ctx));
  const auto& [stride, padding, dilation, groups] = c;
  if (ctx.input(kResidualInput) != nullptr) return ctx.error("a depthwise convolution takes no residual (input 3)");
  WT_RETURN_IF_ERROR(ctx.expect_input(kWeightScaleInput, DType::kFloat32, 1, 1));
  if (ctx.input(1)->constant_data == nullptr || ctx.input(kWeightScaleInput)->constant_data == nullptr ||
      (ctx.input(2) != nullptr && ctx.input(2)->constant_data == nullptr)) {
    return ctx.error("the int8 weights, their scales and the bias must be constants");
  }
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, ctx.node.attributes.get_ints("kernel_size", 2));
  const Shape& x = ctx.input(0)->shape;
  const int64_t channels = x[3];
  if (groups != channels) {
    return ctx.error("groups (" + std::to_string(groups) + ") must equal the input's channels (" +
                     std::to_string(channels) + ")");
  }
  const Result<int64_t> taps = checked_numel({kernel[0], kernel[1]});
  if (kernel[0] < 1 || kernel[1] < 1 || !taps.is_ok()) {
    return ctx.error("kernel_size [" + std::to_string(kernel[0]) + ", " + std::to_string(kernel[1]) +
                     "] is out of range");
  }
  if (ctx.input(1)->shape != Shape{taps.value(), channels}) {
    return ctx.error("int8 weight of shape " + shape_to_string(ctx.input(1)->shape) + " is not [kh*kw = " +
                     std::to_string(taps.value()) + ", C = " + std::to_string(channels) + "]");
  }
  if (ctx.input(kWeightScaleInput)->shape != Shape{channels}) {
    return ctx.error("weight scales of shape " + shape_to_string(ctx.input(kWeightScaleInput)->shape) +
                     " are not one per channel (" + std::to_string(channels) + ")");
  }
  WT_RETURN_IF_ERROR(check_conv_bias(ctx, channels));
  WT_ASSIGN_OR_RETURN(int64_t out_h, conv_output_size(ctx, x[1], kernel[0], stride[0], padding[0], dilation[0], false));
  WT_ASSIGN_OR_RETURN(int64_t out_w, conv_output_size(ctx, x[2], kernel[1], stride[1], padding[1], dilation[1], false));
  WT_ASSIGN_OR_RETURN(FusedActivation act, read_fused_activation(ctx));
  WT_ASSIGN_OR_RETURN(ActivationQuantization input, read_static_input_quantization(ctx));
  WT_ASSIGN_OR_RETURN(std::optional<ActivationQuantization> output, read_static_output_quantization(ctx));
  ctx.outputs->push_back({static_output_dtype(output), {x[0], out_h, out_w, channels}});
  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  const Conv2dGeometry g{z(x[0]),       z(channels),   z(x[1]),        z(x[2]),      z(channels), z(out_h),
                         z(out_w),      z(kernel[0]),  z(kernel[1]),   z(stride[0]), z(stride[1]), z(padding[0]),
                         z(padding[1]), z(dilation[0]), z(dilation[1]), z(channels)};
  const bool int8_dot = input.bits == 7 && ctx.kernel_table->qu8_dwconv_nhwc != nullptr && g.stride_h == 1 &&
                        g.stride_w == 1 && qu8_dwconv2d_min_scratch_bytes(g) <= kOpThreadScratchBytes;
  if (!int8_dot) {
    return with_region_edges(
        ctx, make_depthwise_conv2d_nhwc_kernel(ctx, g, act, dequantized_weights(ctx, z(taps.value()), z(channels))),
        input, bytes_in, output, g.batch * g.in_h * g.in_w * g.in_channels, g.batch * g.out_h * g.out_w * g.in_channels);
  }
  return make_kernel(
      StaticQuantizedDwConv2dNhwcKernel(ctx, g, act, input, bytes_in, output, dw_quads(ctx, g, input.zero_point)));
}

}  // namespace

extern const OpDef kStaticQuantizedDepthwiseConv2dOp = {
    "static_quantized_depthwise_conv2d", prepare_static_quantized_depthwise_conv2d, "float32 or uint8 (int8 weights)",
    "NHWC depthwise convolution (groups = C), int8 weights [kh*kw, C] with per-channel scales (input 4); x "
    "quantized with the calibrated input_scale, input_zero_point and input_bits; 7-bit inputs at stride 1 on "
    "relaxed SIMD's int8 dot where the engine's is exact, each output row's input columns transposed into quads of "
    "kernel rows; elsewhere the float depthwise kernel on the weights dequantized at load; fused activations as "
    "conv2d's; int8 regions: x may be uint8, read as quantized with input_*, and output_scale, output_zero_point "
    "and output_bits make the output uint8, requantized as the op stores it"};

}  // namespace wt
