#include "kernels/f32_gemm.h"

namespace wt {

void f32_gemm_nt_1x4_scalar(const F32GemmArgs& g, size_t row_begin, size_t row_end) {
  for (size_t i = row_begin; i < row_end; ++i) {
    const float* a = g.a + i * g.lda;
    float* c = g.c + i * g.ldc;
    size_t j = 0;
    for (; j + 4 <= g.n; j += 4) {
      const float* b0 = g.b + j * g.ldb;
      const float* b1 = b0 + g.ldb;
      const float* b2 = b1 + g.ldb;
      const float* b3 = b2 + g.ldb;
      float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
      for (size_t p = 0; p < g.k; ++p) {
        const float av = a[p];
        acc0 += av * b0[p];
        acc1 += av * b1[p];
        acc2 += av * b2[p];
        acc3 += av * b3[p];
      }
      const float* bias = g.bias ? g.bias + j : nullptr;
      c[j + 0] = clamp_minmax(acc0 + (bias ? bias[0] : 0.f), g.minmax);
      c[j + 1] = clamp_minmax(acc1 + (bias ? bias[1] : 0.f), g.minmax);
      c[j + 2] = clamp_minmax(acc2 + (bias ? bias[2] : 0.f), g.minmax);
      c[j + 3] = clamp_minmax(acc3 + (bias ? bias[3] : 0.f), g.minmax);
    }
    for (; j < g.n; ++j) {
      const float* b = g.b + j * g.ldb;
      float acc = 0;
      for (size_t p = 0; p < g.k; ++p) acc += a[p] * b[p];
      c[j] = clamp_minmax(acc + (g.bias ? g.bias[j] : 0.f), g.minmax);
    }
  }
}

}  // namespace wt
