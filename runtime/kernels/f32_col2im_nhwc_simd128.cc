#include "kernels/f32_conv_transpose2d.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

void f32_col2im_nhwc_simd128(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                             size_t row_begin, size_t row_end) {
  const size_t cout_g = g.out_channels / g.groups;
  const size_t group_floats = g.in_h * g.in_w * g.kernel_h * g.kernel_w * cout_g;
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      float* out = output + (oy * g.out_w + ox) * g.out_channels;
      for (size_t c = 0; c < g.out_channels; ++c) out[c] = bias ? bias[c] : 0.f;
      for_each_covering_tap(g, oy, ox, cols, [&](const float* column) {
        for (size_t group = 0; group < g.groups; ++group) {
          const float* src = column + group * group_floats;
          float* dst = out + group * cout_g;
          size_t oc = 0;
          for (; oc + 4 <= cout_g; oc += 4) {
            wasm_v128_store(dst + oc, wasm_f32x4_add(wasm_v128_load(dst + oc), wasm_v128_load(src + oc)));
          }
          for (; oc < cout_g; ++oc) dst[oc] += src[oc];
        }
      });
    }
  }
}

#else

void f32_col2im_nhwc_simd128(const Conv2dGeometry& g, const float* cols, const float* bias, float* output,
                             size_t row_begin, size_t row_end) {
  f32_col2im_nhwc_scalar(g, cols, bias, output, row_begin, row_end);
}

#endif

}  // namespace wt
