// The calibrated quantization of a static int8 op's float input: attributes input_scale (> 0) and
// input_zero_point (0-255), asymmetric 8-bit as kernels/qd8_gemm.h's qu8_quantize computes it.
#pragma once

#include "kernels/qd8_gemm.h"
#include "ops/common/op.h"

namespace wt {

struct StaticInputQuantization {
  float scale;  // what one step of the quantized input is worth: the GEMM's row scale
  Qu8Params params;
};

Result<StaticInputQuantization> read_static_input_quantization(const PrepareContext& ctx);

}  // namespace wt
