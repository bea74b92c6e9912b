#include "kernels/f32_gemm.h"

namespace wt {

void f32_gemm_1x4_scalar(const F32GemmArgs& g, size_t row_begin, size_t row_end) {
  const size_t sn = g.b_stride_n, sk = g.b_stride_k;
  for (size_t i = row_begin; i < row_end; ++i) {
    const float* a = g.a + i * g.lda;
    float* c = g.c + i * g.ldc;
    const float rb = g.row_bias ? g.row_bias[i] : 0.f;
    size_t j = 0;
    for (; j + 4 <= g.n; j += 4) {
      const float* b = g.b + j * sn;
      float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
      for (size_t p = 0; p < g.k; ++p) {
        const float av = a[p];
        const float* bp = b + p * sk;
        acc0 += av * bp[0];
        acc1 += av * bp[sn];
        acc2 += av * bp[2 * sn];
        acc3 += av * bp[3 * sn];
      }
      const float* bias = g.bias ? g.bias + j : nullptr;
      c[j + 0] = clamp_minmax(acc0 + rb + (bias ? bias[0] : 0.f), g.minmax);
      c[j + 1] = clamp_minmax(acc1 + rb + (bias ? bias[1] : 0.f), g.minmax);
      c[j + 2] = clamp_minmax(acc2 + rb + (bias ? bias[2] : 0.f), g.minmax);
      c[j + 3] = clamp_minmax(acc3 + rb + (bias ? bias[3] : 0.f), g.minmax);
    }
    for (; j < g.n; ++j) {
      const float* b = g.b + j * sn;
      float acc = 0;
      for (size_t p = 0; p < g.k; ++p) acc += a[p] * b[p * sk];
      c[j] = clamp_minmax(acc + rb + (g.bias ? g.bias[j] : 0.f), g.minmax);
    }
  }
}

}  // namespace wt
