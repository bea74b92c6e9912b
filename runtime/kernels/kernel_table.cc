#include "kernels/kernel_table.h"

#include <cstdlib>
#include <cstring>

#include "kernels/simd128.h"

namespace wt {
namespace {

// The kernels every build has: the references each SIMD kernel is tested against.
KernelTable scalar_table() {
  KernelTable t{};
  t.isa = "scalar";
  t.gemm_tile = {kGemmMr, f32_gemm_4x8_scalar, f32_gemm_4x8_panels_scalar};
  t.gemm_4x8 = f32_gemm_4x8_scalar;
  t.gemm_4x8_panels = f32_gemm_4x8_panels_scalar;
  t.igemm_4x8_panels = f32_igemm_4x8_panels_scalar;
  t.igemm_4x8_group_pairs = f32_igemm_4x8_group_pairs_scalar;
  t.gemm_1x8 = f32_gemm_1x8_scalar;
  t.gemm_1x32 = f32_gemm_1x32_scalar;
  t.f16w_gemm_1x32 = f32_f16w_gemm_1x32_scalar;
  t.gemm_dot = f32_gemm_dot_scalar;
  t.gemv = f32_gemv_4x1_scalar;
  t.f16_to_f32 = f16_to_f32_scalar;
  t.qd8_quantize_row = qd8_quantize_row_scalar;
  t.qu8_quantize = qu8_quantize_scalar;
  t.qd8_gemm_2x4 = qd8_f32_qc8w_gemm_scalar;
  t.qd8_gemm_1x8 = qd8_f32_qc8w_gemm_scalar;
  t.qd8_gemm_4x8c2 = qd8_f32_qc8w_gemm_4x8c2_scalar;
  t.qu8_quantize_to_u8 = qu8_quantize_to_u8_scalar;
  t.qu8_widen = qu8_widen_scalar;
  t.qu8_dequantize = qu8_dequantize_scalar;
  t.qu8_gemm_5x8c4 = qu8_f32_qc8w_gemm_5x8c4_scalar;
  t.qd8_quantize_row_to_halves = qd8_quantize_row_to_halves_scalar;
  t.qu8_quantize_row_to_halves = qu8_quantize_row_to_halves_scalar;
  t.qu8_bytes_to_halves = qu8_bytes_to_halves_scalar;
  t.qu8_gemm_5x8c4_split = qu8_f32_qc8w_gemm_5x8c4_split_scalar;
  t.qu8_gemm_1x8c4 = qu8_f32_qc8w_gemm_5x8c4_scalar;
  t.qu8_gemm_1x8c4_split = qu8_f32_qc8w_gemm_5x8c4_split_scalar;
  t.qu8_dwconv_nhwc = qu8_f32_qc8w_dwconv2d_nhwc_scalar;

  t.winograd_weights_panels_nhwc = f32_winograd_f4x4_3x3_weights_panels_scalar;
  t.winograd_weights_qc8w_panels_nhwc = f32_winograd_f4x4_3x3_weights_qc8w_panels_scalar;
  t.winograd_input_nhwc = f32_winograd_f4x4_3x3_input_nhwc_scalar;
  t.winograd_output_nhwc = f32_winograd_f4x4_3x3_output_nhwc_scalar;

  t.dwconv_nhwc = [](const Conv2dGeometry& g, const float* x, const float* w, const float* b, F32MinMax minmax, float* y,
                     size_t row_begin, size_t row_end, float*, size_t) {
    f32_dwconv2d_nhwc_scalar(g, x, w, b, minmax, y, row_begin, row_end);
  };
  t.col2im_nhwc = f32_col2im_nhwc_scalar;
  t.vscaleshift_channels = f32_vscaleshift_channels_scalar;

  t.maxpool_nhwc = f32_maxpool2d_nhwc_scalar;
  t.avgpool_nhwc = f32_avgpool2d_nhwc_scalar;

  t.softmax = f32_softmax_strided_scalar;
  t.softmax_block = f32_softmax_block_scalar;
  t.layer_norm = f32_layer_norm_scalar;
  t.reduce_rows = f32_reduce_rows_scalar;
  t.zip2 = x32_zip2_scalar;
  t.zip3 = x32_zip3_scalar;

#define WT_SET(name) t.vunary[static_cast<size_t>(F32VUnary::name)] = f32_v##name##_scalar;
  WT_F32_VUNARY_KERNELS(WT_SET)
#undef WT_SET
  return t;
}

#if WT_HAVE_SIMD128
void overlay_simd128(KernelTable& t) {
  t.isa = "simd128";
  t.gemm_tile = {kGemmMr, f32_gemm_4x8_simd128, f32_gemm_4x8_panels_simd128};
  t.gemm_4x8 = f32_gemm_4x8_simd128;
  t.gemm_4x8_panels = f32_gemm_4x8_panels_simd128;
  t.igemm_4x8_panels = f32_igemm_4x8_panels_simd128;
  t.igemm_4x8_group_pairs = f32_igemm_4x8_group_pairs_simd128;
  t.gemm_1x8 = f32_gemm_1x8_simd128;
  t.gemm_1x32 = f32_gemm_1x32_simd128;
  t.f16w_gemm_1x32 = f32_f16w_gemm_1x32_simd128;
  t.gemm_dot = f32_gemm_dot_simd128;
  t.gemv = f32_gemv_4x1_simd128;
  t.f16_to_f32 = f16_to_f32_simd128;
  t.qd8_quantize_row = qd8_quantize_row_simd128;
  t.qu8_quantize = qu8_quantize_simd128;
  t.qd8_gemm_2x4 = qd8_f32_qc8w_gemm_2x4c16_simd128;
  t.qd8_gemm_1x8 = qd8_f32_qc8w_gemm_1x8c16_simd128;
  t.qd8_gemm_4x8c2 = qd8_f32_qc8w_gemm_4x8c2_simd128;
  t.qu8_quantize_to_u8 = qu8_quantize_to_u8_simd128;
  t.qu8_widen = qu8_widen_simd128;
  t.qu8_dequantize = qu8_dequantize_simd128;
  t.qu8_gemm_5x8c4 = nullptr;
  t.qd8_quantize_row_to_halves = qd8_quantize_row_to_halves_simd128;
  t.qu8_quantize_row_to_halves = qu8_quantize_row_to_halves_simd128;
  t.qu8_bytes_to_halves = qu8_bytes_to_halves_simd128;
  t.qu8_gemm_5x8c4_split = nullptr;
  t.qu8_gemm_1x8c4 = nullptr;
  t.qu8_gemm_1x8c4_split = nullptr;
  t.qu8_dwconv_nhwc = nullptr;

  t.winograd_weights_panels_nhwc = f32_winograd_f4x4_3x3_weights_panels_simd128;
  t.winograd_weights_qc8w_panels_nhwc = f32_winograd_f4x4_3x3_weights_qc8w_panels_simd128;
  t.winograd_input_nhwc = f32_winograd_f4x4_3x3_input_nhwc_simd128;
  t.winograd_output_nhwc = f32_winograd_f4x4_3x3_output_nhwc_simd128;

  t.dwconv_nhwc = f32_dwconv2d_nhwc_simd128;
  t.col2im_nhwc = f32_col2im_nhwc_simd128;
  t.vscaleshift_channels = f32_vscaleshift_channels_simd128;

  t.maxpool_nhwc = f32_maxpool2d_nhwc_simd128;
  t.avgpool_nhwc = f32_avgpool2d_nhwc_simd128;

  t.softmax = f32_softmax_simd128;
  t.softmax_block = f32_softmax_block_simd128;
  t.layer_norm = f32_layer_norm_simd128;
  t.reduce_rows = f32_reduce_rows_simd128;
  t.zip2 = x32_zip2_simd128;
  t.zip3 = x32_zip3_simd128;

#define WT_SET(name) t.vunary[static_cast<size_t>(F32VUnary::name)] = f32_v##name##_simd128;
  WT_F32_VUNARY_SIMD128_KERNELS(WT_SET)
#undef WT_SET
}
#endif

#if WT_PREFER_RELAXED_SIMD
void overlay_relaxed_simd(KernelTable& t) {
  t.isa = "relaxed-simd";
  t.gemm_tile = {5, f32_gemm_5x8_relaxedsimd, f32_gemm_5x8_panels_relaxedsimd};
  t.gemm_4x8 = f32_gemm_4x8_relaxedsimd;
  t.gemm_4x8_panels = f32_gemm_4x8_panels_relaxedsimd;
  t.igemm_4x8_panels = f32_igemm_4x8_panels_relaxedsimd;
  t.igemm_4x8_group_pairs = f32_igemm_4x8_group_pairs_relaxedsimd;
  if (relaxed_int8_dot_is_exact()) {
    t.qu8_gemm_5x8c4 = qu8_f32_qc8w_gemm_5x8c4_relaxedsimd;
    t.qu8_gemm_5x8c4_split = qu8_f32_qc8w_gemm_5x8c4_split_relaxedsimd;
    t.qu8_gemm_1x8c4 = qu8_f32_qc8w_gemm_1x8c4_relaxedsimd;
    t.qu8_gemm_1x8c4_split = qu8_f32_qc8w_gemm_1x8c4_split_relaxedsimd;
    t.qu8_dwconv_nhwc = qu8_f32_qc8w_dwconv2d_nhwc_c16_relaxedsimd;
  }
}
#endif

KernelTable best_table() {
  KernelTable t = scalar_table();
#if WT_HAVE_SIMD128
  overlay_simd128(t);
#endif
#if WT_PREFER_RELAXED_SIMD
  overlay_relaxed_simd(t);
#endif
  return t;
}

bool references_by_environment() {
  const char* v = std::getenv("WASM_TORCH_REFERENCE_KERNELS");
  return v != nullptr && std::strcmp(v, "") != 0 && std::strcmp(v, "0") != 0;
}

}  // namespace

const KernelTable& build_kernels() {
  static const KernelTable table = best_table();
  return table;
}

const KernelTable& reference_kernels() {
  static const KernelTable table = scalar_table();
  return table;
}

const KernelTable& default_kernels() {
  static const bool references = references_by_environment();
  return references ? reference_kernels() : build_kernels();
}

}  // namespace wt
