#include "ops/common/static_quantization.h"

#include <cmath>
#include <string>

namespace wt {

Result<StaticInputQuantization> read_static_input_quantization(const PrepareContext& ctx) {
  const Attributes& a = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(double scale, a.get_float("input_scale", NAN));
  WT_ASSIGN_OR_RETURN(int64_t zero_point, a.get_int("input_zero_point"));
  WT_ASSIGN_OR_RETURN(int64_t bits, a.get_int("input_bits", 8));
  const auto single = static_cast<float>(scale);
  if (!(single > 0.f) || !std::isfinite(1.f / single)) {
    return ctx.error("input_scale must be a positive float with a finite inverse, got " + std::to_string(scale));
  }
  if (bits != 7 && bits != 8) return ctx.error("input_bits must be 7 or 8, got " + std::to_string(bits));
  const int64_t top = (int64_t{1} << bits) - 1;
  if (zero_point < 0 || zero_point > top) {
    return ctx.error("input_zero_point must be in [0, " + std::to_string(top) + "] for " + std::to_string(bits) +
                     "-bit inputs, got " + std::to_string(zero_point));
  }
  const auto zp = static_cast<float>(zero_point);
  return StaticInputQuantization{single, static_cast<int>(zero_point), static_cast<int>(bits),
                                 Qu8Params{1.f / single, -zp, static_cast<float>(top) - zp}};
}

bool runs_byte_tile(const PrepareContext& ctx, const StaticInputQuantization& input) {
  return input.bits == 7 && ctx.kernel_table->qu8_gemm_5x8c4 != nullptr && ctx.input(1)->constant_data != nullptr;
}

bool runs_split_byte_tile(const PrepareContext& ctx) {
  return ctx.kernel_table->qu8_gemm_5x8c4_split != nullptr && ctx.input(1)->constant_data != nullptr;
}

}  // namespace wt
