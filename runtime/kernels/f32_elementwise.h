// Vectorizable elementwise kernels over contiguous runs (XNNPACK naming: vadd = vector+vector,
// vaddc = vector+scalar constant).
#pragma once

#include <cstddef>

#include "kernels/activation.h"

namespace wt {

void f32_vadd_scalar(size_t n, const float* a, const float* b, float* y);
void f32_vaddc_scalar(size_t n, const float* a, float b, float* y);
void f32_vmul_scalar(size_t n, const float* a, const float* b, float* y);
void f32_vmulc_scalar(size_t n, const float* a, float b, float* y);
void f32_vclamp_scalar(size_t n, const float* x, F32MinMax minmax, float* y);
// y = x * scale + shift (batch norm in inference, folded per channel)
void f32_vscaleshift_scalar(size_t n, const float* x, float scale, float shift, float* y);

}  // namespace wt
