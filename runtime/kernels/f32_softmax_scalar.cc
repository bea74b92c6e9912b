#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/f32_softmax.h"

namespace wt {
namespace {

float strided_max(size_t n, size_t stride, const float* x) {
  float m = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) m = x[i * stride] > m ? x[i * stride] : m;
  return m;
}

}  // namespace

void f32_softmax_strided_scalar(size_t n, size_t stride, const float* x, float* y) {
  const float m = strided_max(n, stride, x);
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i * stride] - m);
    y[i * stride] = e;
    sum += e;
  }
  const float inv = 1.f / sum;
  for (size_t i = 0; i < n; ++i) y[i * stride] *= inv;
}

float f32_softmax_block_scalar(size_t n, float* s, float* max, float* sum) {
  const float m = std::max(*max, strided_max(n, 1, s));
  if (m == -std::numeric_limits<float>::infinity()) {
    std::fill(s, s + n, 0.f);
    return 1.f;
  }
  float block_sum = 0;
  for (size_t i = 0; i < n; ++i) block_sum += (s[i] = std::exp(s[i] - m));
  const float rescale = std::exp(*max - m);
  *max = m;
  *sum = *sum * rescale + block_sum;
  return rescale;
}

void f32_log_softmax_strided_scalar(size_t n, size_t stride, const float* x, float* y) {
  const float m = strided_max(n, stride, x);
  float sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(x[i * stride] - m);
  const float log_sum = m + std::log(sum);
  for (size_t i = 0; i < n; ++i) y[i * stride] = x[i * stride] - log_sum;
}

}  // namespace wt
