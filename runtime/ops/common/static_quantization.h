// The calibrated quantization of a static int8 op's float input: attributes input_scale (> 0),
// input_zero_point and input_bits (8, the default: 0-255; or 7: 0-127, what relaxed SIMD's int8 dot
// multiplies exactly), asymmetric as kernels/qd8_gemm.h's qu8_quantize computes it; and the byte
// tiles' weights, which static ops and dynamic linears share.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "core/memory.h"
#include "kernels/qd8_gemm.h"
#include "ops/common/op.h"

namespace wt {

struct StaticInputQuantization {
  float scale;  // what one step of the quantized input is worth: the GEMM's row scale
  int zero_point;
  int bits;
  Qu8Params params;
};

Result<StaticInputQuantization> read_static_input_quantization(const PrepareContext& ctx);

// Quantizes a static op's float input x[0, n) into xq over the pool's threads (a task takes at
// least 16 Ki elements): `quantize` is the kernel table's qu8_quantize (int16 q) or
// qu8_quantize_to_u8 (bytes u).
template <typename T, typename QuantizeFn>
void quantize_static_input(const RunContext& ctx, QuantizeFn quantize, const Qu8Params& params, size_t n,
                           const float* x, T* xq) {
  constexpr size_t kGrain = 16 * 1024;
  ctx.pool->parallelize((n + kGrain - 1) / kGrain, 1, [&](size_t begin, size_t end) {
    const size_t from = begin * kGrain, to = std::min(n, end * kGrain);
    quantize(to - from, x + from, params, xq + from);
  });
}

// Whether a static op's GEMM runs on the byte tile (qd8_gemm.h): 7-bit inputs, a kernel table with
// it, constant weights (input 1).
bool runs_byte_tile(const PrepareContext& ctx, const StaticInputQuantization& input);
// Whether a dynamic op's rows run on the split byte tile: a kernel table with it, constant weights.
bool runs_split_byte_tile(const PrepareContext& ctx);

// The byte tile's weights, made when the op is prepared: panels with K in quads and each column's
// zero_point x weight sum (the tile subtracts it from its sums).
struct BytePanels {
  AlignedBytes weights;         // int8 [ceil(N / 8)][Kp / 4][8][4], Kp = K rounded up to 4
  AlignedBytes column_offsets;  // int32 [ceil(N / 8) * 8], zero past N
  size_t kp = 0;

  const int8_t* panels() const { return reinterpret_cast<const int8_t*>(weights.get()); }
  const int32_t* offsets() const { return reinterpret_cast<const int32_t*>(column_offsets.get()); }
};

// The byte panels of the op's constant weight (input 1): N columns of K weights each, weight(j, i)
// of column j at depth i. Made once per model and zero point (PrepareContext::derived_weights).
template <typename WeightAt>
Result<std::shared_ptr<const BytePanels>> byte_panels(const PrepareContext& ctx, size_t n, size_t k, int zero_point,
                                                      WeightAt weight) {
  const void* constant = ctx.input(1)->constant_data;
  const std::string kind = "byte panels, zero point " + std::to_string(zero_point);
  if (ctx.derived_weights != nullptr) {
    if (auto made = ctx.derived_weights->find(constant, kind)) return std::static_pointer_cast<const BytePanels>(made);
  }
  const size_t panels = (n + kQd8PanelNr - 1) / kQd8PanelNr, kp = qu8_panel_padded_k(k);
  auto made = std::make_shared<BytePanels>(BytePanels{allocate_aligned(panels * kp * kQd8PanelNr),
                                                      allocate_aligned(panels * kQd8PanelNr * sizeof(int32_t)), kp});
  BytePanels& bytes = *made;
  if (!bytes.weights || !bytes.column_offsets) {
    return out_of_memory(ctx.node.describe() + ": the int8 weights in quads need " +
                         std::to_string(panels * kp * kQd8PanelNr) + " bytes");
  }
  auto* to = reinterpret_cast<int8_t*>(bytes.weights.get());
  auto* offsets = reinterpret_cast<int32_t*>(bytes.column_offsets.get());
  std::fill(to, to + panels * kp * kQd8PanelNr, int8_t{0});
  std::fill(offsets, offsets + panels * kQd8PanelNr, 0);
  for (size_t j = 0; j < n; ++j) {
    int32_t sum = 0;
    for (size_t i = 0; i < k; ++i) {
      const int8_t v = weight(j, i);
      const size_t quad = (j / kQd8PanelNr * kp + i) / kQu8PanelKr;
      to[(quad * kQd8PanelNr + j % kQd8PanelNr) * kQu8PanelKr + i % kQu8PanelKr] = v;
      sum += v;
    }
    offsets[j] = zero_point * sum;
  }
  if (ctx.derived_weights != nullptr) ctx.derived_weights->store(constant, kind, made);
  return std::shared_ptr<const BytePanels>(std::move(made));
}

}  // namespace wt
