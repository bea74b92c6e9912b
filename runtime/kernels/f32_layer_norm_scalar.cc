#include <cmath>

#include "kernels/f32_layer_norm.h"

namespace wt {

void f32_layer_norm_scalar(size_t cols, float eps, const float* x, const float* weight, const float* bias, float* y,
                           size_t row_begin, size_t row_end) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    double mean = 0, var = 0;
    for (size_t c = 0; c < cols; ++c) mean += in[c];
    mean /= static_cast<double>(cols);
    for (size_t c = 0; c < cols; ++c) var += (in[c] - mean) * (in[c] - mean);
    const float inv = static_cast<float>(1.0 / std::sqrt(var / static_cast<double>(cols) + eps));
    const float m = static_cast<float>(mean);
    for (size_t c = 0; c < cols; ++c) {
      const float v = (in[c] - m) * inv;
      out[c] = v * (weight ? weight[c] : 1.f) + (bias ? bias[c] : 0.f);
    }
  }
}

}  // namespace wt
