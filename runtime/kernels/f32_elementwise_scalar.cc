#include "kernels/f32_elementwise.h"

namespace wt {

void f32_vadd_scalar(size_t n, const float* a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void f32_vaddc_scalar(size_t n, const float* a, float b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] + b;
}

void f32_vmul_scalar(size_t n, const float* a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

void f32_vmulc_scalar(size_t n, const float* a, float b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] * b;
}

void f32_vclamp_scalar(size_t n, const float* x, F32MinMax minmax, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = clamp_minmax(x[i], minmax);
}

void f32_vscaleshift_scalar(size_t n, const float* x, float scale, float shift, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

}  // namespace wt
