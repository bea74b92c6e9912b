#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/f32_softmax.h"
#include "kernels/simd128_math.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

float horizontal_max(v128_t v) {
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// max(x[0:n]) for n >= 4: the tail is covered by an overlapping full vector. By pmax, one x86
// maxps in V8, in two chains: f32x4.max (NaN-propagating, -0 < +0) takes V8 about 8 instructions on
// x86, and as one chain it held softmax to 2.3 ns an element in Node against 1.3 (exp alone: 0.65).
// A NaN pmax drops still reaches the sum through exp, so its row is NaN, as in PyTorch.
float row_max(size_t n, const float* x) {
  v128_t even = wasm_v128_load(x + n - 4), odd = wasm_v128_load(x);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    even = wasm_f32x4_pmax(even, wasm_v128_load(x + i));
    odd = wasm_f32x4_pmax(odd, wasm_v128_load(x + i + 4));
  }
  if (i + 4 <= n) even = wasm_f32x4_pmax(even, wasm_v128_load(x + i));
  return horizontal_max(wasm_f32x4_pmax(even, odd));
}

// y = exp(x - m) for n >= 4 (y may be x); returns the sum of y.
float row_exp(size_t n, const float* x, float m, float* y) {
  const size_t full = n / 4 * 4;
  const v128_t vm = simd::splat(m);
  v128_t vsum = simd::splat(0.f);
  for (size_t i = 0; i < full; i += 4) {
    const v128_t e = simd::exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    wasm_v128_store(y + i, e);
    vsum = wasm_f32x4_add(vsum, e);
  }
  float sum = wt_f32x4_sum(vsum);
  if (full < n) {
    float tail[4] = {0.f, 0.f, 0.f, 0.f};
    std::memcpy(tail, x + full, (n - full) * sizeof(float));
    wasm_v128_store(tail, simd::exp_f32x4(wasm_f32x4_sub(wasm_v128_load(tail), vm)));
    for (size_t i = full; i < n; ++i) sum += (y[i] = tail[i - full]);
  }
  return sum;
}

}  // namespace

void f32_softmax_simd128(size_t n, size_t stride, const float* x, float* y) {
  if (stride != 1 || n < 4) {
    f32_softmax_strided_scalar(n, stride, x, y);
    return;
  }
  const float sum = row_exp(n, x, row_max(n, x), y);
  const size_t full = n / 4 * 4;
  const v128_t inv = simd::splat(1.f / sum);
  for (size_t i = 0; i < full; i += 4) wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(y + i), inv));
  for (size_t i = full; i < n; ++i) y[i] *= 1.f / sum;
}

float f32_softmax_block_simd128(size_t n, float* s, float* max, float* sum) {
  if (n < 4) return f32_softmax_block_scalar(n, s, max, sum);
  const float m = std::max(*max, row_max(n, s));
  if (m == -std::numeric_limits<float>::infinity()) return f32_softmax_block_scalar(n, s, max, sum);
  const float block_sum = row_exp(n, s, m, s);
  const float rescale = std::exp(*max - m);
  *max = m;
  *sum = *sum * rescale + block_sum;
  return rescale;
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
