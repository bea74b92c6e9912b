// Which microkernel runs, decided in one place. The table is filled with the scalar references,
// then overlaid with what this build has: SIMD128 kernels, then relaxed-SIMD ones (tract's
// kernel table with ISA overlays; XNNPACK's per-ISA microkernel lists). Ops read kernels() when
// they prepare (each model takes its runtime's table at load) and never test an ISA macro. A
// runtime can run the scalar references only (the C ABI's wt_runtime_set_reference_kernels, or
// WASM_TORCH_REFERENCE_KERNELS=1 in the environment for every new runtime): a SIMD build checked
// against its own reference on real models.
#pragma once

#include <cstddef>

#include "kernels/f16_convert.h"
#include "kernels/f32_conv2d.h"
#include "kernels/f32_conv_transpose2d.h"
#include "kernels/f32_dwconv2d.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_layer_norm.h"
#include "kernels/f32_pool2d.h"
#include "kernels/f32_reduce.h"
#include "kernels/f32_softmax.h"
#include "kernels/f32_vscaleshift.h"
#include "kernels/f32_vunary.h"
#include "kernels/f32_winograd.h"
#include "kernels/qd8_gemm.h"
#include "kernels/qu8_dwconv2d.h"
#include "kernels/x32_zip.h"

namespace wt {

// Kernels that take a thread's scratch (scratch, scratch_floats): their references ignore it.
using F32DwConvFn = void (*)(const Conv2dGeometry&, const float*, const float*, const float*, F32MinMax, float*,
                             size_t, size_t, float*, size_t);
using F32Col2imFn = void (*)(const Conv2dGeometry&, const float*, const float*, float*, size_t, size_t);
using F32PoolNhwcFn = void (*)(const Pool2dGeometry&, size_t, const float*, float*, size_t, size_t);
using F32SoftmaxFn = void (*)(size_t, size_t, const float*, float*);
using F32SoftmaxBlockFn = float (*)(size_t, float*, float*, float*);
using F32LayerNormFn = void (*)(size_t, float, const float*, const float*, const float*, float*, size_t, size_t);
using F32ReduceRowsFn = void (*)(const ReduceRows&, const float*, float*, size_t, size_t);
using F32WinogradWeightsPanelsFn = void (*)(size_t, const float*, float*, const WinogradWeightsBlock&);
using F32WinogradWeightsQc8wPanelsFn = void (*)(size_t, const Qc8wPanels&, float*, const WinogradWeightsBlock&);
using F32WinogradInputNhwcFn = void (*)(const Conv2dGeometry&, const float*, float*, size_t, size_t, size_t);
using F32WinogradOutputNhwcFn = void (*)(const Conv2dGeometry&, const WinogradOutputArgs&, size_t, size_t);

struct KernelTable {
  const char* isa;  // "scalar", "simd128" or "relaxed-simd"

  // GEMM (linear, matmul, convolutions): the main tile and its narrower relatives.
  F32GemmTile gemm_tile;
  F32Gemm4x8Fn gemm_4x8;
  F32GemmPanelsFn gemm_4x8_panels;
  F32Gemm1x8Fn gemm_1x8;
  F32Gemm1x32Fn gemm_1x32;
  F32GemmDotFn gemm_dot;
  F32GemvFn gemv;
  F32IgemmPanelsFn igemm_4x8_panels;  // indirect: grouped convolutions' rows read in place
  F32IgemmGroupPairsFn igemm_4x8_group_pairs;  // the same over two groups of 4 output channels

  // fp16 weights: streamed in half by batch-1 linear layers, expanded elsewhere (where they are
  // packed or gathered).
  F32F16wGemm1x32Fn f16w_gemm_1x32;
  F16ToF32Fn f16_to_f32;

  // Dynamically quantized GEMM (int8 weights, rows quantized at run time).
  Qd8QuantizeRowFn qd8_quantize_row;
  Qu8QuantizeFn qu8_quantize;
  Qd8GemmFn qd8_gemm_2x4;
  Qd8GemmFn qd8_gemm_1x8;
  Qd8PanelGemmFn qd8_gemm_4x8c2;
  // 7-bit static inputs as bytes, on the byte tile: set in the references and, where the engine's
  // relaxed int8 dot is exact, the relaxed-SIMD builds; null elsewhere (the SIMD128 builds run
  // those inputs on the 4x8c2 tile, which their byte tile would not beat).
  Qu8QuantizeToU8Fn qu8_quantize_to_u8;
  // An int8 region's bytes back to the 4x8c2 tile's int16 values, or to floats.
  Qu8WidenFn qu8_widen;
  Qu8DequantizeFn qu8_dequantize;
  Qu8PanelGemmFn qu8_gemm_5x8c4;
  // Dynamic rows as 7-bit halves on the split byte tile (two dots a quad): set where qu8_gemm_5x8c4 is.
  Qd8QuantizeRowToHalvesFn qd8_quantize_row_to_halves;
  Qu8QuantizeRowToHalvesFn qu8_quantize_row_to_halves;  // static 8-bit rows of codes 0..254, the same tile
  Qu8BytesToHalvesFn qu8_bytes_to_halves;                // a convolution's gathered rows of such codes
  Qu8PanelGemmFn qu8_gemm_5x8c4_split;
  // Both byte tiles for a single row (batch-1 linears): set where the 4-row ones are.
  Qu8PanelGemmFn qu8_gemm_1x8c4;
  Qu8PanelGemmFn qu8_gemm_1x8c4_split;
  // Static depthwise convolutions of 7-bit inputs on the int8 dot: set where qu8_gemm_5x8c4 is
  // (elsewhere they run in float from the dequantized weights).
  Qu8DwConvFn qu8_dwconv_nhwc;

  // Winograd F(4x4, 3x3).
  F32WinogradWeightsPanelsFn winograd_weights_panels_nhwc;
  F32WinogradWeightsQc8wPanelsFn winograd_weights_qc8w_panels_nhwc;
  F32WinogradInputNhwcFn winograd_input_nhwc;
  F32WinogradOutputNhwcFn winograd_output_nhwc;

  // Depthwise and transposed convolution.
  F32DwConvFn dwconv_nhwc;
  F32Col2imFn col2im_nhwc;

  // Channels-last batch norm (scale, shift and a clamp).
  F32VScaleShiftChannelsFn vscaleshift_channels;

  // Pooling.
  F32PoolNhwcFn maxpool_nhwc;
  F32PoolNhwcFn avgpool_nhwc;

  // Normalization and reductions.
  F32SoftmaxFn softmax;
  F32SoftmaxBlockFn softmax_block;
  F32LayerNormFn layer_norm;
  F32ReduceRowsFn reduce_rows;

  // Data movement: two rows interleaved (a channel shuffle of two groups), three (an RGB image to NHWC).
  X32Zip2Fn zip2;
  X32Zip3Fn zip3;

  // Elementwise unary kernels, by F32VUnary.
  F32UnaryFn vunary[kF32VUnaryCount];
  F32UnaryFn unary(F32VUnary kernel) const { return vunary[static_cast<size_t>(kernel)]; }
};

// This build's best kernels, and the scalar references.
const KernelTable& build_kernels();
const KernelTable& reference_kernels();
// What a new runtime starts with: build_kernels(), or the references when the environment has
// WASM_TORCH_REFERENCE_KERNELS set (to anything but "" or "0").
const KernelTable& default_kernels();

}  // namespace wt
