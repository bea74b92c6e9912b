// 4x8 register tile: 8 accumulators + 2 B vectors + 1 broadcast A fit V8's 15 usable xmm
// registers on x64 (6x8 spills there; see shared/TOOLCHAIN.md). A is broadcast with
// v128.load32_splat, B rows are two 4-wide loads.
#include "kernels/f32_gemm.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

void f32_gemm_4x8_simd128(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                          const float* row_bias, const float* col_bias, F32MinMax minmax) {
  const float* a0 = a;
  const float* a1 = a0 + lda;
  const float* a2 = a1 + lda;
  const float* a3 = a2 + lda;
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (size_t p = 0; p < k; ++p) {
    const v128_t b0 = wasm_v128_load(b);
    const v128_t b1 = wasm_v128_load(b + 4);
    b += ldb;
    const v128_t v0 = wasm_v128_load32_splat(a0 + p);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(v0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(v0, b1));
    const v128_t v1 = wasm_v128_load32_splat(a1 + p);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(v1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(v1, b1));
    const v128_t v2 = wasm_v128_load32_splat(a2 + p);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(v2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(v2, b1));
    const v128_t v3 = wasm_v128_load32_splat(a3 + p);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(v3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(v3, b1));
  }
  const v128_t cb0 = col_bias ? wasm_v128_load(col_bias) : wasm_f32x4_splat(0.f);
  const v128_t cb1 = col_bias ? wasm_v128_load(col_bias + 4) : wasm_f32x4_splat(0.f);
  const v128_t lo = wasm_f32x4_splat(minmax.min), hi = wasm_f32x4_splat(minmax.max);
  // pmax(v, lo) = v < lo ? lo : v and pmin(v, hi) = hi < v ? hi : v: NaN passes, as in the scalar kernel.
  auto finish = [&](v128_t acc, v128_t col, float rb) {
    const v128_t v = wasm_f32x4_add(acc, wasm_f32x4_add(col, wasm_f32x4_splat(rb)));
    return wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
  };
  const v128_t* rows[4][2] = {{&c00, &c01}, {&c10, &c11}, {&c20, &c21}, {&c30, &c31}};
  for (int r = 0; r < 4; ++r) {
    const float rb = row_bias ? row_bias[r] : 0.f;
    wasm_v128_store(c + r * ldc, finish(*rows[r][0], cb0, rb));
    wasm_v128_store(c + r * ldc + 4, finish(*rows[r][1], cb1, rb));
  }
}

void f32_gemm_1x8_simd128(size_t k, const float* a, const float* b, size_t ldb, float* c, float row_bias,
                          const float* col_bias, F32MinMax minmax) {
  // Two accumulator pairs over alternating k hide the add latency of a single row.
  v128_t acc0 = wasm_f32x4_splat(0.f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  size_t p = 0;
  for (; p + 2 <= k; p += 2) {
    const v128_t v0 = wasm_v128_load32_splat(a + p), v1 = wasm_v128_load32_splat(a + p + 1);
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(v0, wasm_v128_load(b)));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(v0, wasm_v128_load(b + 4)));
    acc2 = wasm_f32x4_add(acc2, wasm_f32x4_mul(v1, wasm_v128_load(b + ldb)));
    acc3 = wasm_f32x4_add(acc3, wasm_f32x4_mul(v1, wasm_v128_load(b + ldb + 4)));
    b += 2 * ldb;
  }
  if (p < k) {
    const v128_t v0 = wasm_v128_load32_splat(a + p);
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(v0, wasm_v128_load(b)));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(v0, wasm_v128_load(b + 4)));
  }
  const v128_t rb = wasm_f32x4_splat(row_bias);
  const v128_t lo = wasm_f32x4_splat(minmax.min), hi = wasm_f32x4_splat(minmax.max);
  v128_t y0 = wasm_f32x4_add(wasm_f32x4_add(acc0, acc2), rb), y1 = wasm_f32x4_add(wasm_f32x4_add(acc1, acc3), rb);
  if (col_bias) {
    y0 = wasm_f32x4_add(y0, wasm_v128_load(col_bias));
    y1 = wasm_f32x4_add(y1, wasm_v128_load(col_bias + 4));
  }
  wasm_v128_store(c, wasm_f32x4_pmin(wasm_f32x4_pmax(y0, lo), hi));
  wasm_v128_store(c + 4, wasm_f32x4_pmin(wasm_f32x4_pmax(y1, lo), hi));
}

namespace {

// The columns from `first_col` on of rows [row_begin, row_end), with the scalar kernel.
void gemm_edge_columns(const F32GemmArgs& g, size_t first_col, size_t row_begin, size_t row_end) {
  if (first_col >= g.n) return;
  F32GemmArgs edge = g;
  edge.n = g.n - first_col;
  edge.b = g.b + first_col;
  edge.c = g.c + first_col;
  edge.bias = g.bias ? g.bias + first_col : nullptr;
  f32_gemm_1x4_scalar(edge, row_begin, row_end);
}

}  // namespace

void f32_gemm(const F32GemmArgs& g, size_t row_begin, size_t row_end) {
  if (g.b_stride_n != 1 || g.n < 8) {
    f32_gemm_1x4_scalar(g, row_begin, row_end);
    return;
  }
  const size_t full_cols = g.n / 8 * 8;
  size_t i = row_begin;
  for (; i + 4 <= row_end; i += 4) {
    const float* a = g.a + i * g.lda;
    float* c = g.c + i * g.ldc;
    const float* row_bias = g.row_bias ? g.row_bias + i : nullptr;
    for (size_t j = 0; j < full_cols; j += 8) {
      f32_gemm_4x8_simd128(g.k, a, g.lda, g.b + j, g.b_stride_k, c + j, g.ldc, row_bias, g.bias ? g.bias + j : nullptr,
                           g.minmax);
    }
    gemm_edge_columns(g, full_cols, i, i + 4);
  }
  for (; i < row_end; ++i) {  // the last rows, one at a time
    const float* a = g.a + i * g.lda;
    const float row_bias = g.row_bias ? g.row_bias[i] : 0.f;
    for (size_t j = 0; j < full_cols; j += 8) {
      f32_gemm_1x8_simd128(g.k, a, g.b + j, g.b_stride_k, g.c + i * g.ldc + j, row_bias, g.bias ? g.bias + j : nullptr,
                           g.minmax);
    }
    gemm_edge_columns(g, full_cols, i, i + 1);
  }
}

#else

void f32_gemm(const F32GemmArgs& g, size_t row_begin, size_t row_end) { f32_gemm_1x4_scalar(g, row_begin, row_end); }

#endif

}  // namespace wt
