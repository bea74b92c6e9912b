#include <algorithm>

#include "kernels/f32_reduce.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

v128_t combine(ReduceOp op, v128_t acc, v128_t x) {
  switch (op) {
    case ReduceOp::kMax:
      return wasm_f32x4_max(acc, x);
    case ReduceOp::kMin:
      return wasm_f32x4_min(acc, x);
    default:
      return wasm_f32x4_add(acc, x);
  }
}

// V vectors of outputs from column b of block a: every row combined, then the mean's division.
template <size_t V>
void reduce_columns(const ReduceRows& g, const float* block, size_t b, float* y) {
  v128_t acc[V];
  for (size_t v = 0; v < V; ++v) acc[v] = wasm_v128_load(block + b + 4 * v);
  for (size_t r = 1; r < g.rows; ++r) {
    const float* row = block + r * g.inner + b;
    for (size_t v = 0; v < V; ++v) acc[v] = combine(g.op, acc[v], wasm_v128_load(row + 4 * v));
  }
  const v128_t rows = wasm_f32x4_splat(static_cast<float>(g.rows));
  for (size_t v = 0; v < V; ++v)
    wasm_v128_store(y + 4 * v, g.op == ReduceOp::kMean ? wasm_f32x4_div(acc[v], rows) : acc[v]);
}

}  // namespace

void f32_reduce_rows_simd128(const ReduceRows& g, const float* x, float* y, size_t out_begin, size_t out_end) {
  if (g.rows == 0) {  // the empty sum and mean; max and min of nothing are rejected at load
    f32_reduce_rows_scalar(g, x, y, out_begin, out_end);
    return;
  }
  for (size_t o = out_begin; o < out_end;) {
    const size_t a = o / g.inner, b0 = o % g.inner, b1 = std::min(g.inner, b0 + (out_end - o));
    const float* block = x + a * g.rows * g.inner;
    float* out = y + a * g.inner;
    size_t b = b0;
    for (; b + 16 <= b1; b += 16) reduce_columns<4>(g, block, b, out + b);
    for (; b + 4 <= b1; b += 4) reduce_columns<1>(g, block, b, out + b);
    if (b < b1) f32_reduce_rows_scalar(g, x, y, a * g.inner + b, a * g.inner + b1);
    o += b1 - b0;
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
