// The "activation" attribute fusion passes attach to linear/conv2d: "none", "relu", "relu6",
// "clamp" (with activation_min/activation_max), or one of the elementwise functions "sigmoid",
// "tanh", "silu", "hardswish", "gelu", "gelu_tanh".
#pragma once

#include "kernels/activation.h"
#include "kernels/f32_vunary.h"
#include "ops/op.h"

namespace wt {

struct FusedActivation {
  F32MinMax minmax;         // clamps: applied inside the GEMM/convolution epilogue
  F32UnaryFn fn = nullptr;  // functions: applied to each finished output block while it is in cache

  // Applies fn (if any) in place to n contiguous outputs.
  void apply(float* y, size_t n) const {
    if (fn) fn(n, y, y, UnaryParams{});
  }
};

Result<FusedActivation> read_fused_activation(const PrepareContext& ctx);

}  // namespace wt
