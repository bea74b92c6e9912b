// The calibrated quantization of a static int8 op's float input: attributes input_scale (> 0),
// input_zero_point and input_bits (8, the default: 0-255; or 7: 0-127, what relaxed SIMD's int8 dot
// multiplies exactly), asymmetric as kernels/qd8_gemm.h's qu8_quantize computes it.
#pragma once

#include "kernels/qd8_gemm.h"
#include "ops/common/op.h"

namespace wt {

struct StaticInputQuantization {
  float scale;  // what one step of the quantized input is worth: the GEMM's row scale
  int zero_point;
  int bits;
  Qu8Params params;
};

Result<StaticInputQuantization> read_static_input_quantization(const PrepareContext& ctx);

}  // namespace wt
