// The calibrated quantization of a static int8 op's activations: attributes input_scale (> 0),
// input_zero_point, input_bits (8, the default: 0-255; or 7: 0-127, what relaxed SIMD's int8 dot
// multiplies exactly) and input_max (the largest value, when below 2^bits - 1: 8-bit linears take
// 0-254, which the split tile multiplies as two 7-bit halves), asymmetric as kernels/qd8_gemm.h's
// qu8_quantize computes it; and the byte tiles' weights, which static ops and dynamic linears share.
//
// Int8 regions: a static op's input 0 is either float32, quantized when the op runs, or already
// bytes u (uint8) quantized with its input_* attributes by the op that wrote it; and a static op
// with attributes output_scale, output_zero_point and output_bits (the same rules) writes its
// output as such bytes, requantized in its epilogue, for static ops that read them in turn.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "core/memory.h"
#include "kernels/qd8_gemm.h"
#include "ops/common/op.h"

namespace wt {

struct ActivationQuantization {
  float scale;  // what one step of the quantized value is worth: the GEMM's row scale
  int zero_point;
  int bits;
  int max_code;  // the largest value u takes: attribute *_max, else 2^bits - 1
  Qu8Params params;
};

// The op's input quantization (attributes input_scale, input_zero_point, input_bits).
Result<ActivationQuantization> read_static_input_quantization(const PrepareContext& ctx);
// The op's output quantization (attributes output_*), or none when it writes float32.
Result<std::optional<ActivationQuantization>> read_static_output_quantization(const PrepareContext& ctx);
// Checks input 0 (float32 or uint8, rank 4) and returns whether it is bytes already.
Result<bool> read_static_input_bytes(const PrepareContext& ctx);

// What a static op's output is: float32, or bytes when it requantizes.
inline DType static_output_dtype(const std::optional<ActivationQuantization>& output) {
  return output ? DType::kUInt8 : DType::kFloat32;
}

// Runs fn(from, to) over [0, n) on the pool's threads, a task at least 16 Ki elements.
template <typename Fn>
void parallelize_elements(const RunContext& ctx, size_t n, Fn fn) {
  constexpr size_t kGrain = 16 * 1024;
  ctx.pool->parallelize((n + kGrain - 1) / kGrain, 1, [&](size_t begin, size_t end) {
    fn(begin * kGrain, std::min(n, end * kGrain));
  });
}

// Quantizes a static op's float input x[0, n) into xq over the pool's threads: `quantize` is the
// kernel table's qu8_quantize (int16 q) or qu8_quantize_to_u8 (bytes u).
template <typename T, typename QuantizeFn>
void quantize_static_input(const RunContext& ctx, QuantizeFn quantize, const Qu8Params& params, size_t n,
                           const float* x, T* xq) {
  parallelize_elements(ctx, n, [&](size_t from, size_t to) { quantize(to - from, x + from, params, xq + from); });
}

// A float kernel inside an int8 region (Winograd, the float depthwise kernel): its input, when
// bytes, dequantized into the workspace before it runs, and its output, when the op requantizes,
// computed into the workspace and quantized after. Returns `inner` itself when neither applies.
std::unique_ptr<OpKernel> with_region_edges(const PrepareContext& ctx, std::unique_ptr<OpKernel> inner,
                                            const ActivationQuantization& input, bool bytes_in,
                                            const std::optional<ActivationQuantization>& output, size_t in_elements,
                                            size_t out_elements);

// Whether a static op's GEMM runs on the byte tile (qd8_gemm.h): 7-bit inputs, a kernel table with
// it, constant weights (input 1).
bool runs_byte_tile(const PrepareContext& ctx, const ActivationQuantization& input);
// Whether an op's rows run on the split byte tile: a kernel table with it, constant weights, and
// for a static op 8-bit inputs of at most kQu8HalvesMaxByte (dynamic rows are 0..254).
bool runs_split_byte_tile(const PrepareContext& ctx, const std::optional<ActivationQuantization>& input);

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
