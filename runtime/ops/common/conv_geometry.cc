#include "ops/common/conv_geometry.h"

namespace wt {

Result<ConvAttributes> read_conv_attributes(const PrepareContext& ctx, size_t max_inputs, size_t weight_rank,
                                            DType weight_dtype, bool input_checked) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(2, max_inputs));
  if (!input_checked) WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 4, 4));
  WT_RETURN_IF_ERROR(ctx.expect_input(1, weight_dtype, weight_rank, weight_rank));
  const Attributes& a = ctx.node.attributes;
  ConvAttributes c;
  WT_ASSIGN_OR_RETURN(c.stride, a.get_ints("stride", 2));
  WT_ASSIGN_OR_RETURN(c.padding, a.get_ints("padding", 2));
  WT_ASSIGN_OR_RETURN(c.dilation, a.get_ints("dilation", 2));
  WT_ASSIGN_OR_RETURN(c.groups, a.get_int("groups", 1));
  if (c.groups < 1) return ctx.error("groups must be positive, got " + std::to_string(c.groups));
  return c;
}

Status check_conv_bias(const PrepareContext& ctx, int64_t out_channels) {
  const TensorInfo* b = ctx.input(2);
  if (b == nullptr) return Status::ok();
  WT_RETURN_IF_ERROR(ctx.expect_input(2, DType::kFloat32, 1, 1));
  if (b->shape[0] != out_channels) {
    return ctx.error("bias shape " + shape_to_string(b->shape) + " does not match " + std::to_string(out_channels) +
                     " output channels");
  }
  return Status::ok();
}

Result<int64_t> conv_output_size(const PrepareContext& ctx, int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                 int64_t dilation, bool ceil_mode) {
  constexpr int64_t kLimit = int64_t{1} << 30;
  if (kernel < 1 || stride < 1 || dilation < 1 || pad < 0 || kernel > kLimit || stride > kLimit || dilation > kLimit ||
      pad > kLimit) {
    return ctx.error("kernel " + std::to_string(kernel) + ", stride " + std::to_string(stride) + ", padding " +
                     std::to_string(pad) + ", dilation " + std::to_string(dilation) + " are out of range");
  }
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0) return ctx.error("the kernel window is larger than the padded input (" + std::to_string(in) + ")");
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace wt
