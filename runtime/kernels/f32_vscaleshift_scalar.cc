#include "kernels/f32_vscaleshift.h"

namespace wt {

void f32_vscaleshift_scalar(size_t n, const float* x, float scale, float shift, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

}  // namespace wt
