// The "activation" attribute that fusion passes attach to linear/conv: "none", "relu", "relu6".
#pragma once

#include "kernels/activation.h"
#include "ops/op.h"

namespace wt {

Result<F32MinMax> read_fused_activation(const PrepareContext& ctx);

}  // namespace wt
