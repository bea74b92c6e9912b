// SIMD128 dynamically quantized GEMM. Each 8 int8 weights load widened to int16x8
// (v128.load8x8_s) and i32x4.dot_i16x8_s multiplies them with the (already widened) row, summing
// pairs: 16 products in 2 loads, 2 dots and 2 adds, exact (|a|, |w| <= 127: a pair is at most 32258).
#include <algorithm>
#include <cmath>

#include "kernels/qd8_gemm.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

float max_lane(v128_t v) {
  float lanes[4];
  wasm_v128_store(lanes, v);
  float m = lanes[0];
  for (float lane : lanes) m = (lane > m || lane != lane) ? lane : m;
  return m;
}

// [sum(a), sum(b), sum(c), sum(d)] of four int32x4 accumulators.
v128_t sum_lanes4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 2, 6), wasm_i32x4_shuffle(a, b, 1, 5, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 2, 6), wasm_i32x4_shuffle(c, d, 1, 5, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// n <= 4 floats into a vector (zero past n): a tile's last columns may end the array.
v128_t load_partial(const float* p, size_t n) {
  if (n == 4) return wasm_v128_load(p);
  float lanes[4] = {0.f, 0.f, 0.f, 0.f};
  for (size_t i = 0; i < n; ++i) lanes[i] = p[i];
  return wasm_v128_load(lanes);
}

void store_partial(float* p, v128_t v, size_t n) {
  if (n == 4) {
    wasm_v128_store(p, v);
    return;
  }
  float lanes[4];
  wasm_v128_store(lanes, v);
  for (size_t i = 0; i < n; ++i) p[i] = lanes[i];
}

// Four (or n < 4) int32 sums of one row, columns col.. of the output's scales and biases, through
// the epilogue into y: sum * a_scale * w_scale (+ bias) (+ previous) then the clamp, in the
// reference's order.
void store_dequantized(v128_t sums, float a_scale, size_t col, size_t n, float* y, const Qd8Output& out) {
  v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), wasm_f32x4_splat(a_scale));
  v = wasm_f32x4_mul(v, load_partial(out.w_scale + col, n));
  if (out.bias) v = wasm_f32x4_add(v, load_partial(out.bias + col, n));
  if (out.accumulate) v = wasm_f32x4_add(v, load_partial(y, n));
  const v128_t lo = wasm_f32x4_splat(out.minmax.min), hi = wasm_f32x4_splat(out.minmax.max);
  store_partial(y, wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi), n);
}

// The panel tiles' 4 rows: a partial tile computes its missing rows from the last real one and
// does not store them (the panel's missing columns are zero weights).
template <typename T>
struct PanelRows {
  const T *row0, *row1, *row2, *row3;
  PanelRows(const T* a, size_t rows, size_t lda)
      : row0(a),
        row1(rows > 1 ? row0 + lda : row0),
        row2(rows > 2 ? row1 + lda : row1),
        row3(rows > 3 ? row2 + lda : row2) {}
};

// A panel tile's sums, [row][channels 0-3, 4-7], through the epilogue: rows x cols of them.
void store_panel_tile(const v128_t (&sums)[kQd8PanelMr][2], size_t rows, size_t cols, float* c, size_t ldc,
                      const Qd8Output& out) {
  for (size_t r = 0; r < rows; ++r) {
    store_dequantized(sums[r][0], out.a_scale[r], 0, std::min<size_t>(cols, 4), c + r * ldc, out);
    if (cols > 4) store_dequantized(sums[r][1], out.a_scale[r], 4, cols - 4, c + r * ldc + 4, out);
  }
}

}  // namespace

float qd8_quantize_row_simd128(size_t k, size_t kp, const float* x, int16_t* xq) {
  v128_t vmax = wasm_f32x4_splat(0.f);
  size_t i = 0;
  for (; i + 4 <= k; i += 4) vmax = wasm_f32x4_max(vmax, wasm_f32x4_abs(wasm_v128_load(x + i)));
  float amax = max_lane(vmax);
  for (; i < k; ++i) {
    const float v = std::fabs(x[i]);
    amax = (v > amax || v != v) ? v : amax;
  }
  if (!std::isfinite(amax) || amax == 0.f) {
    for (i = 0; i < kp; ++i) xq[i] = 0;
    return amax == 0.f ? 0.f : NAN;
  }
  const float inv = 127.f / amax;
  const v128_t vinv = wasm_f32x4_splat(inv);
  const v128_t lo = wasm_f32x4_splat(-127.f), hi = wasm_f32x4_splat(127.f);
  for (i = 0; i + 8 <= k; i += 8) {
    const v128_t q0 = wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + i), vinv)), lo), hi);
    const v128_t q1 =
        wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + i + 4), vinv)), lo), hi);
    wasm_v128_store(xq + i, wasm_i16x8_narrow_i32x4(wasm_i32x4_trunc_sat_f32x4(q0), wasm_i32x4_trunc_sat_f32x4(q1)));
  }
  for (; i < k; ++i) {
    const float q = std::nearbyint(x[i] * inv);
    xq[i] = static_cast<int16_t>(q < -127.f ? -127.f : (q > 127.f ? 127.f : q));
  }
  for (; i < kp; ++i) xq[i] = 0;
  return amax / 127.f;
}

void qu8_quantize_simd128(size_t n, const float* x, const Qu8Params& p, int16_t* xq) {
  const v128_t vinv = wasm_f32x4_splat(p.inv_scale);
  const v128_t lo = wasm_f32x4_splat(p.lo), hi = wasm_f32x4_splat(p.hi);
  // pmax/pmin keep a NaN (their comparisons are false) and trunc_sat makes it 0, as the reference.
  const auto quantize4 = [&](const float* at) {
    return wasm_i32x4_trunc_sat_f32x4(
        wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(at), vinv)), lo), hi));
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) wasm_v128_store(xq + i, wasm_i16x8_narrow_i32x4(quantize4(x + i), quantize4(x + i + 4)));
  qu8_quantize_scalar(n - i, x + i, p, xq + i);
}

void qu8_quantize_to_u8_simd128(size_t n, const float* x, const Qu8Params& p, uint8_t* xu) {
  const v128_t vinv = wasm_f32x4_splat(p.inv_scale);
  const v128_t lo = wasm_f32x4_splat(p.lo), hi = wasm_f32x4_splat(p.hi);
  // As qu8_quantize_simd128 (a NaN becomes q = 0), then u = q + zero_point narrowed to bytes.
  const v128_t zero_point = wasm_i32x4_splat(static_cast<int32_t>(-p.lo));
  const auto quantize4 = [&](const float* at) {
    const v128_t q = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(at), vinv));
    return wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_pmin(wasm_f32x4_pmax(q, lo), hi)), zero_point);
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t low = wasm_i16x8_narrow_i32x4(quantize4(x + i), quantize4(x + i + 4));
    const v128_t high = wasm_i16x8_narrow_i32x4(quantize4(x + i + 8), quantize4(x + i + 12));
    wasm_v128_store(xu + i, wasm_u8x16_narrow_i16x8(low, high));
  }
  qu8_quantize_to_u8_scalar(n - i, x + i, p, xu + i);
}

void qd8_f32_qc8w_gemm_4x8c2_simd128(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                     const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  const PanelRows<int16_t> p(a, rows, lda);
  v128_t acc0l = wasm_i32x4_splat(0), acc0h = acc0l, acc1l = acc0l, acc1h = acc0l;
  v128_t acc2l = acc0l, acc2h = acc0l, acc3l = acc0l, acc3h = acc0l;
  for (size_t i = 0; i < kp; i += kQd8PanelKr, w += kQd8PanelKr * kQd8PanelNr) {
    const v128_t wl = wasm_i16x8_load8x8(w), wh = wasm_i16x8_load8x8(w + 8);  // channels 0-3, 4-7
#define WT_QD8_PANEL_ROW(r)                                                  \
  {                                                                          \
    const v128_t x = wasm_v128_load32_splat(p.row##r + i);                   \
    acc##r##l = wasm_i32x4_add(acc##r##l, wasm_i32x4_dot_i16x8(x, wl));      \
    acc##r##h = wasm_i32x4_add(acc##r##h, wasm_i32x4_dot_i16x8(x, wh));      \
  }
    WT_QD8_PANEL_ROW(0)
    WT_QD8_PANEL_ROW(1)
    WT_QD8_PANEL_ROW(2)
    WT_QD8_PANEL_ROW(3)
#undef WT_QD8_PANEL_ROW
  }
  store_panel_tile({{acc0l, acc0h}, {acc1l, acc1h}, {acc2l, acc2h}, {acc3l, acc3h}}, rows, cols, c, ldc, out);
}

#if WT_HAVE_RELAXED_SIMD
void qu8_f32_qc8w_gemm_4x8c4_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                         const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  const PanelRows<uint8_t> p(a, rows, lda);
  v128_t acc0l = wasm_i32x4_splat(0), acc0h = acc0l, acc1l = acc0l, acc1h = acc0l;
  v128_t acc2l = acc0l, acc2h = acc0l, acc3l = acc0l, acc3h = acc0l;
  if (out.column_offset) {
    acc0l = acc1l = acc2l = acc3l = wasm_i32x4_neg(wasm_v128_load(out.column_offset));
    acc0h = acc1h = acc2h = acc3h = wasm_i32x4_neg(wasm_v128_load(out.column_offset + 4));
  }
  for (size_t i = 0; i < kp; i += kQu8PanelKr, w += kQu8PanelKr * kQd8PanelNr) {
    const v128_t wl = wasm_v128_load(w), wh = wasm_v128_load(w + 16);  // channels 0-3, 4-7
#define WT_QU8_PANEL_ROW(r)                                                             \
  {                                                                                     \
    const v128_t x = wasm_v128_load32_splat(p.row##r + i);                              \
    acc##r##l = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wl, x, acc##r##l);                 \
    acc##r##h = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wh, x, acc##r##h);                 \
  }
    WT_QU8_PANEL_ROW(0)
    WT_QU8_PANEL_ROW(1)
    WT_QU8_PANEL_ROW(2)
    WT_QU8_PANEL_ROW(3)
#undef WT_QU8_PANEL_ROW
  }
  store_panel_tile({{acc0l, acc0h}, {acc1l, acc1h}, {acc2l, acc2h}, {acc3l, acc3h}}, rows, cols, c, ldc, out);
}

bool relaxed_int8_dot_is_exact() {
  int8_t a[16], b[16];
  for (int i = 0; i < 16; ++i) {
    a[i] = static_cast<int8_t>(i % 2 ? -128 + 17 * i : 127 - 9 * i);
    b[i] = static_cast<int8_t>(127 - 8 * i);  // 7 to 127
  }
  const int32_t c[4] = {1000, -7, 123456, -99999};
  int32_t got[4];
  wasm_v128_store(got, wt_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_v128_load(a), wasm_v128_load(b), wasm_v128_load(c)));
  for (int lane = 0; lane < 4; ++lane) {
    int32_t want = c[lane];
    for (int i = 4 * lane; i < 4 * lane + 4; ++i) want += int32_t{a[i]} * int32_t{b[i]};
    if (got[lane] != want) return false;
  }
  return true;
}
#endif  // WT_HAVE_RELAXED_SIMD

void qd8_f32_qc8w_gemm_2x4c16_simd128(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                      const int8_t* w, size_t ldw, float* c, size_t ldc, const Qd8Output& out) {
  // A partial tile computes its missing rows and columns from the last real ones and does not
  // store them: one loop for every tile.
  const int16_t* a0 = a;
  const int16_t* a1 = rows > 1 ? a + lda : a0;
  const int8_t* w0 = w;
  const int8_t* w1 = cols > 1 ? w0 + ldw : w0;
  const int8_t* w2 = cols > 2 ? w1 + ldw : w1;
  const int8_t* w3 = cols > 3 ? w2 + ldw : w2;
  v128_t acc00 = wasm_i32x4_splat(0), acc01 = acc00, acc02 = acc00, acc03 = acc00;
  v128_t acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
  for (size_t i = 0; i < kp; i += kQd8KBlock) {
    const v128_t x0l = wasm_v128_load(a0 + i), x0h = wasm_v128_load(a0 + i + 8);
    const v128_t x1l = wasm_v128_load(a1 + i), x1h = wasm_v128_load(a1 + i + 8);
#define WT_QD8_COLUMN(j)                                                                                      \
  {                                                                                                           \
    const v128_t wl = wasm_i16x8_load8x8(w##j + i), wh = wasm_i16x8_load8x8(w##j + i + 8);                    \
    acc0##j = wasm_i32x4_add(acc0##j, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wl, x0l), wasm_i32x4_dot_i16x8(wh, x0h))); \
    acc1##j = wasm_i32x4_add(acc1##j, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wl, x1l), wasm_i32x4_dot_i16x8(wh, x1h))); \
  }
    WT_QD8_COLUMN(0)
    WT_QD8_COLUMN(1)
    WT_QD8_COLUMN(2)
    WT_QD8_COLUMN(3)
#undef WT_QD8_COLUMN
  }
  const v128_t sums[kQd8Mr] = {sum_lanes4(acc00, acc01, acc02, acc03), sum_lanes4(acc10, acc11, acc12, acc13)};
  for (size_t r = 0; r < rows; ++r) store_dequantized(sums[r], out.a_scale[r], 0, cols, c + r * ldc, out);
}

void qd8_f32_qc8w_gemm_1x8c16_simd128(size_t, size_t cols, size_t kp, const int16_t* a, size_t, const int8_t* w,
                                      size_t ldw, float* c, size_t, const Qd8Output& out) {
  const int8_t* wj[kQd8RowNr];
  wj[0] = w;
  for (size_t j = 1; j < kQd8RowNr; ++j) wj[j] = j < cols ? wj[j - 1] + ldw : wj[j - 1];
  const int8_t *w0 = wj[0], *w1 = wj[1], *w2 = wj[2], *w3 = wj[3], *w4 = wj[4], *w5 = wj[5], *w6 = wj[6], *w7 = wj[7];
  v128_t acc0 = wasm_i32x4_splat(0), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0,
         acc7 = acc0;
  for (size_t i = 0; i < kp; i += kQd8KBlock) {
    const v128_t xl = wasm_v128_load(a + i), xh = wasm_v128_load(a + i + 8);
#define WT_QD8_COLUMN(j)                                                                                             \
  acc##j = wasm_i32x4_add(acc##j, wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(w##j + i), xl),            \
                                                 wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(w##j + i + 8), xh)));
    WT_QD8_COLUMN(0)
    WT_QD8_COLUMN(1)
    WT_QD8_COLUMN(2)
    WT_QD8_COLUMN(3)
    WT_QD8_COLUMN(4)
    WT_QD8_COLUMN(5)
    WT_QD8_COLUMN(6)
    WT_QD8_COLUMN(7)
#undef WT_QD8_COLUMN
  }
  store_dequantized(sum_lanes4(acc0, acc1, acc2, acc3), out.a_scale[0], 0, std::min<size_t>(cols, 4), c, out);
  if (cols > 4) store_dequantized(sum_lanes4(acc4, acc5, acc6, acc7), out.a_scale[0], 4, cols - 4, c + 4, out);
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
