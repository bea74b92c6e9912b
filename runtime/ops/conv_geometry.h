// Output-size arithmetic shared by convolution and pooling, with the checks a hostile file needs.
#pragma once

#include <cstdint>

#include "ops/op.h"

namespace wt {

// out = floor_or_ceil((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1, as PyTorch defines it.
// With ceil_mode, the last window must start inside the input or left padding (PyTorch's rule).
Result<int64_t> conv_output_size(const PrepareContext& ctx, int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                 int64_t dilation, bool ceil_mode);

}  // namespace wt
