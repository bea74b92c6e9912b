// The kernel table: every entry filled in both tables, the build's ISA overlaid on the
// references, and a runtime that asks for the references gets them for the models it loads.
#include <gtest/gtest.h>

#include <cstring>

#include "api/wasm_torch.h"
#include "kernels/kernel_table.h"
#include "model_builder.h"

namespace wt {
namespace {

void expect_complete(const KernelTable& t) {
  EXPECT_NE(t.gemm_tile.fn, nullptr);
  EXPECT_NE(t.gemm_tile.panels_fn, nullptr);
  EXPECT_GE(t.gemm_tile.rows, kGemmMr);
  for (const void* fn : {reinterpret_cast<const void*>(t.gemm_4x8), reinterpret_cast<const void*>(t.gemm_4x8_panels),
                         reinterpret_cast<const void*>(t.gemm_1x8), reinterpret_cast<const void*>(t.gemm_1x32),
                         reinterpret_cast<const void*>(t.f16w_gemm_1x32),
                         reinterpret_cast<const void*>(t.gemm_dot), reinterpret_cast<const void*>(t.gemv),
                         reinterpret_cast<const void*>(t.winograd_weights_panels_nhwc),
                         reinterpret_cast<const void*>(t.winograd_input_nhwc),
                         reinterpret_cast<const void*>(t.winograd_output_nhwc),
                         reinterpret_cast<const void*>(t.dwconv_nhwc), reinterpret_cast<const void*>(t.col2im_nhwc),
                         reinterpret_cast<const void*>(t.maxpool_nhwc), reinterpret_cast<const void*>(t.avgpool_nhwc),
                         reinterpret_cast<const void*>(t.softmax), reinterpret_cast<const void*>(t.softmax_block),
                         reinterpret_cast<const void*>(t.layer_norm), reinterpret_cast<const void*>(t.reduce_rows),
                         reinterpret_cast<const void*>(t.qd8_quantize_row), reinterpret_cast<const void*>(t.qu8_quantize),
                         reinterpret_cast<const void*>(t.qd8_gemm_2x4), reinterpret_cast<const void*>(t.qd8_gemm_1x8),
                         reinterpret_cast<const void*>(t.qd8_gemm_4x8c2), reinterpret_cast<const void*>(t.qu8_quantize_to_u8),
                         reinterpret_cast<const void*>(t.qu8_widen), reinterpret_cast<const void*>(t.qu8_dequantize),
                         reinterpret_cast<const void*>(t.qd8_quantize_row_to_halves),
                         reinterpret_cast<const void*>(t.qu8_quantize_row_to_halves),
                         reinterpret_cast<const void*>(t.qu8_bytes_to_halves),
                         reinterpret_cast<const void*>(t.winograd_weights_qc8w_panels_nhwc)}) {
    EXPECT_NE(fn, nullptr) << t.isa;
  }
  for (size_t k = 0; k < kF32VUnaryCount; ++k) EXPECT_NE(t.vunary[k], nullptr) << t.isa << " unary " << k;
}

TEST(KernelTableTest, BothTablesAreComplete) {
  expect_complete(reference_kernels());
  expect_complete(build_kernels());
  EXPECT_STREQ(reference_kernels().isa, "scalar");
  EXPECT_EQ(reference_kernels().gemm_4x8, &f32_gemm_4x8_scalar);
  EXPECT_EQ(reference_kernels().unary(F32VUnary::sigmoid), &f32_vsigmoid_scalar);
}

TEST(KernelTableTest, TheBuildOverlaysItsSimdKernels) {
  // Native test builds emulate SIMD128 (SIMDe): their table is the SIMD128 one.
  EXPECT_STREQ(build_kernels().isa, "simd128");
  EXPECT_EQ(build_kernels().gemm_4x8, &f32_gemm_4x8_simd128);
  EXPECT_EQ(build_kernels().unary(F32VUnary::sigmoid), &f32_vsigmoid_simd128);
  EXPECT_EQ(build_kernels().unary(F32VUnary::sin), &f32_vsin_scalar);  // no SIMD kernel: the reference stays
  // The byte tile runs in the references and where relaxed SIMD's int8 dot is exact, not on SIMD128.
  EXPECT_EQ(reference_kernels().qu8_gemm_5x8c4, &qu8_f32_qc8w_gemm_5x8c4_scalar);
  EXPECT_EQ(build_kernels().qu8_gemm_5x8c4, nullptr);
  EXPECT_EQ(reference_kernels().qu8_gemm_5x8c4_split, &qu8_f32_qc8w_gemm_5x8c4_split_scalar);
  EXPECT_EQ(build_kernels().qu8_gemm_5x8c4_split, nullptr);
  EXPECT_EQ(reference_kernels().qu8_gemm_1x8c4_split, &qu8_f32_qc8w_gemm_5x8c4_split_scalar);
  EXPECT_EQ(build_kernels().qu8_gemm_1x8c4, nullptr);
  EXPECT_EQ(reference_kernels().qu8_dwconv_nhwc, &qu8_f32_qc8w_dwconv2d_nhwc_scalar);
  EXPECT_EQ(build_kernels().qu8_dwconv_nhwc, nullptr);
}

TEST(KernelTableTest, ARuntimeAskingForReferencesLoadsModelsOnThem) {
  wt_runtime* runtime = wt_runtime_create(1);
  EXPECT_STREQ(wt_runtime_kernel_isa(runtime), build_kernels().isa);
  ASSERT_EQ(wt_runtime_set_reference_kernels(runtime, 1), 1);
  EXPECT_STREQ(wt_runtime_kernel_isa(runtime), "scalar");
  const std::vector<uint8_t> file = testing::build_tiny_model();
  void* bytes = wt_alloc(file.size());
  std::memcpy(bytes, file.data(), file.size());
  wt_model* m = wt_model_load(runtime, bytes, file.size());
  ASSERT_NE(m, nullptr) << wt_last_error();
  const float x[8] = {1, 0, 0, 0, 0, 1, 0, -10};
  const int64_t shape[2] = {2, 4};
  ASSERT_EQ(wt_model_set_input(m, 0, x, sizeof(x), 0, 2, shape), 1);
  ASSERT_EQ(wt_model_forward(m), 1);
  const float* y = static_cast<const float*>(wt_model_output_data(m, 0));
  const float expected[6] = {1, 3, 5, 0, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;
  wt_model_destroy(m);
  EXPECT_EQ(wt_runtime_set_reference_kernels(nullptr, 1), 0);
  wt_runtime_destroy(runtime);
}

}  // namespace
}  // namespace wt
