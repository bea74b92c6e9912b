// What fusion passes attach to linear/conv2d. The "activation" attribute: "none", "relu", "relu6",
// "clamp" (with activation_min/activation_max), or one of the elementwise functions "sigmoid",
// "tanh", "silu", "hardswish", "gelu", "gelu_tanh". And a residual: op(x) + residual.
#pragma once

#include "kernels/activation.h"
#include "kernels/f32_vunary.h"
#include "ops/common/op.h"

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

// The optional residual (the O2 pass fuse_residual_add): the output is op(x) + residual, the
// activation applied to the sum. The GEMM accumulates onto it, in its bytes when the planner gave
// both one buffer (kInPlace over this input).
constexpr size_t kResidualInput = 3;

// Whether the node has a residual; an error unless it is float32 of the output's shape.
Result<bool> read_residual(const PrepareContext& ctx, const Shape& out);

// The residual into output 0 (n floats), unless the planner already put them in one buffer.
void copy_residual(const RunContext& ctx, size_t n);

}  // namespace wt
