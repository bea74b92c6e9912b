// Output-size arithmetic shared by convolution and pooling, with the checks a hostile file needs.
#pragma once

#include <cstdint>
#include <vector>

#include "ops/common/op.h"

namespace wt {

// out = floor_or_ceil((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1, as PyTorch defines it.
// With ceil_mode, the last window must start inside the input or left padding (PyTorch's rule).
// The attributes and inputs convolution and transposed convolution share: x and weight are
// float32 rank 4, an optional bias of `out_channels` (checked by check_conv_bias).
struct ConvAttributes {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups;
};

// Inputs x, weight (of weight_rank and weight_dtype), optional bias (and, up to max_inputs, further
// optional ones).
// input_checked: the caller checks input 0 itself (a static op's, float32 or bytes); else it must
// be float32 of rank 4.
Result<ConvAttributes> read_conv_attributes(const PrepareContext& ctx, size_t max_inputs = 3, size_t weight_rank = 4,
                                            DType weight_dtype = DType::kFloat32, bool input_checked = false);
Status check_conv_bias(const PrepareContext& ctx, int64_t out_channels);

Result<int64_t> conv_output_size(const PrepareContext& ctx, int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                 int64_t dilation, bool ceil_mode);

}  // namespace wt
