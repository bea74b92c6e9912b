// conv2d's parts shared by its two layouts: conv2d.cc validates the node and runs NCHW,
// conv2d_nhwc.cc reads the exporter's NHWC weights and runs NHWC.
#pragma once

#include <memory>
#include <vector>

#include "kernels/f32_conv2d.h"
#include "ops/common/fused_activation.h"
#include "ops/common/op.h"

namespace wt {

// Convolutions Winograd F(4x4, 3x3) can compute: 3x3, stride 1, dilation 1, one group.
bool winograd_supports(const Conv2dGeometry& g);
// The heuristic (a node without an `algorithm`): the supported ones with enough output tiles and
// channels run Winograd; smaller outputs waste too much of each 4x4 tile.
bool winograd_applies(const Conv2dGeometry& g);

// What a conv2d weight says about the convolution.
struct ConvWeight {
  int64_t out_channels, in_per_group, kernel_h, kernel_w;
  bool depthwise_hwc;  // NHWC depthwise weights [kh, kw, C]; else GEMM panels (NHWC) or OIHW (NCHW)
};

// NHWC weights, as the exporter packs them (attribute weight_layout): "panels8", each group's
// [kh*kw*Cin/g, Cout/g] im2col matrix in GEMM panels [ceil(Cout/g / 8), kh*kw*Cin/g, 8], groups one
// after another (out_channels and kernel_size in attributes); or "hwc", depthwise [kh, kw, C].
Result<ConvWeight> read_nhwc_conv_weight(const PrepareContext& ctx, int64_t in_channels, int64_t groups);

// NHWC's kernel: depthwise direct, or the node's `algorithm` (else the heuristic's): "winograd" or
// "gemm", whose depth block is the node's gemm_depth_block.
Result<std::unique_ptr<OpKernel>> make_conv2d_nhwc_kernel(const PrepareContext& ctx, const Conv2dGeometry& g,
                                                          FusedActivation act, bool residual, bool depthwise_hwc);

// The depthwise kernel over NHWC ([kh, kw, C] weights) with weights the op made (not input 1).
std::unique_ptr<OpKernel> make_depthwise_conv2d_nhwc_kernel(const PrepareContext& ctx, const Conv2dGeometry& g,
                                                             FusedActivation act,
                                                             std::shared_ptr<const std::vector<float>> weights);

// static_quantized_conv2d's Winograd: float arithmetic on the int8 weight panels (input 1),
// dequantized by their scales (input kQc8wScaleInput) as the weight transform reads them.
constexpr size_t kQc8wScaleInput = 4;
Result<std::unique_ptr<OpKernel>> make_winograd_qc8w_conv2d_nhwc_kernel(const PrepareContext& ctx,
                                                                        const Conv2dGeometry& g, FusedActivation act,
                                                                        bool residual);

}  // namespace wt
