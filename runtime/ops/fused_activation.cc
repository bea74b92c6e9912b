#include "ops/fused_activation.h"

namespace wt {

Result<F32MinMax> read_fused_activation(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(std::string act, ctx.node.attributes.get_string("activation", "none"));
  F32MinMax minmax;
  if (act == "none") return minmax;
  minmax.min = 0.f;
  if (act == "relu") return minmax;
  if (act == "relu6") {
    minmax.max = 6.f;
    return minmax;
  }
  return ctx.error("unknown fused activation '" + act + "'");
}

}  // namespace wt
