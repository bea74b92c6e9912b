#include "ops/conv_geometry.h"

namespace wt {

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
