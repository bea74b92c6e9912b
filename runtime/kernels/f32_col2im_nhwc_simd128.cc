#include "kernels/f32_conv_transpose2d.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

void f32_col2im_nhwc_simd128(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                             size_t row_begin, size_t row_end) {
  col2im_nhwc(g, cols, bias, output, row_begin, row_end, [](float* dst, const float* src, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
      wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_v128_load(src + i)));
    for (; i < n; ++i) dst[i] += src[i];
  });
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
