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

// Static quantization of 4 floats: round(x * inv_scale) clamped to [lo, hi] (integers), as int32
// lanes plus `offset`; NaN gives `offset`, as the reference's q = 0. Clamped values are far below
// 2^22, so adding 1.5 x 2^23 rounds each to an integer held in the sum's low mantissa bits, ties to
// even as f32x4.nearest (wasm's one rounding mode), and the sum's bits minus the constant's are the
// integer: 6 instructions where f32x4.nearest and i32x4.trunc_sat_f32x4 took about 13 on x64
// (V8 lowers trunc_sat with NaN and overflow fixes).
struct Qu8Quantize4 {
  static constexpr float kRounder = 12582912.f;  // 1.5 x 2^23
  v128_t inv_scale, lo, hi, rounder, bits_minus_offset;

  Qu8Quantize4(const Qu8Params& p, int32_t offset)
      : inv_scale(wasm_f32x4_splat(p.inv_scale)),
        lo(wasm_f32x4_splat(p.lo)),
        hi(wasm_f32x4_splat(p.hi)),
        rounder(wasm_f32x4_splat(kRounder)),
        bits_minus_offset(wasm_i32x4_splat(0x4B400000 - offset)) {}  // 0x4B400000: kRounder's bits

  v128_t operator()(const float* at) const { return (*this)(wasm_v128_load(at)); }
  v128_t operator()(v128_t x) const {
    v128_t q = wasm_f32x4_mul(x, inv_scale);
    q = wasm_v128_and(q, wasm_f32x4_eq(q, q));  // NaN -> 0
    q = wasm_f32x4_pmin(wasm_f32x4_pmax(q, lo), hi);
    return wasm_i32x4_sub(wasm_f32x4_add(q, rounder), bits_minus_offset);
  }
};

// Four (or n < 4) int32 sums of one row, columns col.. of the output's scales and biases, through
// the epilogue: sum * a_scale * w_scale (+ bias) (+ the previous y) then the clamp, in the
// reference's order.
inline __attribute__((always_inline)) v128_t dequantized(v128_t sums, float a_scale, size_t col, size_t n,
                                                   const float* y, const Qd8Output& out) {
  v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), wasm_f32x4_splat(a_scale));
  v = wasm_f32x4_mul(v, load_partial(out.w_scale + col, n));
  if (out.bias) v = wasm_f32x4_add(v, load_partial(out.bias + col, n));
  if (out.accumulate) v = wasm_f32x4_add(v, load_partial(y, n));
  const v128_t lo = wasm_f32x4_splat(out.minmax.min), hi = wasm_f32x4_splat(out.minmax.max);
  return wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
}

// The same, stored into y.
void store_dequantized(v128_t sums, float a_scale, size_t col, size_t n, float* y, const Qd8Output& out) {
  store_partial(y, dequantized(sums, a_scale, col, n, y, out), n);
}

// The panel tiles' rows (4, or the byte tiles' 5): a partial tile computes its missing rows from
// the last real one and does not store them (the panel's missing columns are zero weights).
template <typename T>
struct PanelRows {
  const T *row0, *row1, *row2, *row3, *row4;
  PanelRows(const T* a, size_t rows, size_t lda)
      : row0(a),
        row1(rows > 1 ? row0 + lda : row0),
        row2(rows > 2 ? row1 + lda : row1),
        row3(rows > 3 ? row2 + lda : row2),
        row4(rows > 4 ? row3 + lda : row3) {}
};

// A panel tile's sums, [row][channels 0-3, 4-7], through the epilogue: rows x cols of them.
template <size_t kRows>
void store_panel_tile(const v128_t (&sums)[kRows][2], size_t rows, size_t cols, float* c, size_t ldc,
                      const Qd8Output& out) {
  if (out.requantize) {  // both halves' outputs quantized in registers, 8 bytes a row
    const Qu8Quantize4 quantize4(*out.requantize, static_cast<int32_t>(-out.requantize->lo));
    const size_t n0 = std::min<size_t>(cols, 4), n1 = cols > 4 ? cols - 4 : 0;
    for (size_t r = 0; r < rows; ++r) {
      const v128_t q0 = quantize4(dequantized(sums[r][0], out.a_scale[r], 0, n0, c + r * ldc, out));
      const v128_t q1 = n1 ? quantize4(dequantized(sums[r][1], out.a_scale[r], 4, n1, c + r * ldc + 4, out)) : q0;
      const v128_t q16 = wasm_i16x8_narrow_i32x4(q0, q1);
      const v128_t u = wasm_u8x16_narrow_i16x8(q16, q16);
      uint8_t* at = out.bytes + r * out.ld_bytes;
      if (cols == kQd8PanelNr) {
        wasm_v128_store64_lane(at, u, 0);
      } else {
        uint8_t lanes[16];
        wasm_v128_store(lanes, u);
        std::copy(lanes, lanes + cols, at);
      }
    }
    return;
  }
  for (size_t r = 0; r < rows; ++r) {
    store_dequantized(sums[r][0], out.a_scale[r], 0, std::min<size_t>(cols, 4), c + r * ldc, out);
    if (cols > 4) store_dequantized(sums[r][1], out.a_scale[r], 4, cols - 4, c + r * ldc + 4, out);
  }
}

// Where a quantized row goes: int16 values q (zero past k), or the split tile's halves of q + 127.
struct Int16Row {
  int16_t* xq;
  void zero_tail(size_t k, size_t kp) const { std::fill(xq + k, xq + kp, int16_t{0}); }
  void put(size_t i, int q) const { xq[i] = static_cast<int16_t>(q); }
  void put8(size_t i, v128_t q0, v128_t q1) const { wasm_v128_store(xq + i, wasm_i16x8_narrow_i32x4(q0, q1)); }
};
// Two quads of bytes u (the low 8 lanes) as their halves at `xh`: (u + 1) >> 1 (avgr with 0) and
// u >> 1, interleaved a quad each.
inline void store_halves8(uint8_t* xh, v128_t u) {
  const v128_t first = wasm_u8x16_avgr(u, wasm_i8x16_splat(0)), second = wasm_u8x16_shr(u, 1);
  wasm_v128_store(xh, wasm_i8x16_shuffle(first, second, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23));
}

struct HalvesRow {
  uint8_t* xh;
  int32_t zero_point;  // u = q + zero_point
  void zero_tail(size_t k, size_t kp) const { std::fill(xh + 2 * (k - k % kQu8PanelKr), xh + 2 * kp, uint8_t{0}); }
  void put(size_t i, int q) const { put_halves(xh, i, q + zero_point); }
  void put8(size_t i, v128_t q0, v128_t q1) const {
    const v128_t zero_point = wasm_i32x4_splat(this->zero_point);
    const v128_t u16 = wasm_i16x8_narrow_i32x4(wasm_i32x4_add(q0, zero_point), wasm_i32x4_add(q1, zero_point));
    store_halves8(xh + 2 * i, wasm_u8x16_narrow_i16x8(u16, u16));
  }
};

// qd8_quantize_row_scalar's q and scale, into `row`.
template <typename Row>
float quantize_row(size_t k, size_t kp, const float* x, Row row) {
  row.zero_tail(k, kp);
  v128_t vmax = wasm_f32x4_splat(0.f);
  size_t i = 0;
  for (; i + 4 <= k; i += 4) vmax = wasm_f32x4_max(vmax, wasm_f32x4_abs(wasm_v128_load(x + i)));
  float amax = max_lane(vmax);
  for (; i < k; ++i) {
    const float v = std::fabs(x[i]);
    amax = (v > amax || v != v) ? v : amax;
  }
  if (!std::isfinite(amax) || amax == 0.f) {
    for (i = 0; i < k; ++i) row.put(i, 0);
    return amax == 0.f ? 0.f : NAN;
  }
  const float inv = 127.f / amax;
  const Qu8Quantize4 quantize4(Qu8Params{inv, -127.f, 127.f}, 0);
  for (i = 0; i + 8 <= k; i += 8) row.put8(i, quantize4(x + i), quantize4(x + i + 4));
  for (; i < k; ++i) {
    const float q = std::nearbyint(x[i] * inv);
    row.put(i, static_cast<int>(q < -127.f ? -127.f : (q > 127.f ? 127.f : q)));
  }
  return amax / 127.f;
}

}  // namespace

float qd8_quantize_row_simd128(size_t k, size_t kp, const float* x, int16_t* xq) {
  return quantize_row(k, kp, x, Int16Row{xq});
}

float qd8_quantize_row_to_halves_simd128(size_t k, size_t kp, const float* x, uint8_t* xh) {
  return quantize_row(k, kp, x, HalvesRow{xh, kQd8ByteZeroPoint});
}

void qu8_quantize_row_to_halves_simd128(size_t k, size_t kp, const float* x, const Qu8Params& p, uint8_t* xh) {
  const HalvesRow row{xh, static_cast<int32_t>(-p.lo)};
  row.zero_tail(k, kp);
  const Qu8Quantize4 quantize4(p, 0);
  size_t i = 0;
  for (; i + 8 <= k; i += 8) row.put8(i, quantize4(x + i), quantize4(x + i + 4));
  for (; i < k; ++i) put_halves(xh, i, qu8_quantize_one(x[i], p));
}

void qu8_bytes_to_halves_simd128(size_t kp, const uint8_t* u, uint8_t* xh) {
  size_t i = 0;
  for (; i + 8 <= kp; i += 8) store_halves8(xh + 2 * i, wasm_v128_load64_zero(u + i));
  qu8_bytes_to_halves_scalar(kp - i, u + i, xh + 2 * i);  // a last quad (kp - i is 0 or 4)
}

void qu8_quantize_simd128(size_t n, const float* x, const Qu8Params& p, int16_t* xq) {
  const Qu8Quantize4 quantize4(p, 0);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) wasm_v128_store(xq + i, wasm_i16x8_narrow_i32x4(quantize4(x + i), quantize4(x + i + 4)));
  qu8_quantize_scalar(n - i, x + i, p, xq + i);
}

void qu8_quantize_to_u8_simd128(size_t n, const float* x, const Qu8Params& p, uint8_t* xu) {
  // As qu8_quantize_simd128, then u = q + zero_point (-lo) narrowed to bytes.
  const Qu8Quantize4 quantize4(p, static_cast<int32_t>(-p.lo));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t low = wasm_i16x8_narrow_i32x4(quantize4(x + i), quantize4(x + i + 4));
    const v128_t high = wasm_i16x8_narrow_i32x4(quantize4(x + i + 8), quantize4(x + i + 12));
    wasm_v128_store(xu + i, wasm_u8x16_narrow_i16x8(low, high));
  }
  qu8_quantize_to_u8_scalar(n - i, x + i, p, xu + i);
}

void qu8_widen_simd128(size_t n, const uint8_t* xu, int32_t zero_point, int16_t* xq) {
  const v128_t zp = wasm_i16x8_splat(static_cast<int16_t>(zero_point));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t u = wasm_v128_load(xu + i);
    wasm_v128_store(xq + i, wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(u), zp));
    wasm_v128_store(xq + i + 8, wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(u), zp));
  }
  qu8_widen_scalar(n - i, xu + i, zero_point, xq + i);
}

void qu8_dequantize_simd128(size_t n, const uint8_t* xu, int32_t zero_point, float scale, float* y) {
  const v128_t zp = wasm_i16x8_splat(static_cast<int16_t>(zero_point));
  const v128_t vscale = wasm_f32x4_splat(scale);
  // (u - zero_point) is exact in int16 and in f32, then one rounding by the multiply: the reference's.
  const auto store8 = [&](float* at, v128_t q) {
    wasm_v128_store(at, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(q)), vscale));
    wasm_v128_store(at + 4, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(q)), vscale));
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t u = wasm_v128_load(xu + i);
    store8(y + i, wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(u), zp));
    store8(y + i + 8, wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(u), zp));
  }
  qu8_dequantize_scalar(n - i, xu + i, zero_point, scale, y + i);
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
  const v128_t sums[kQd8PanelMr][2] = {{acc0l, acc0h}, {acc1l, acc1h}, {acc2l, acc2h}, {acc3l, acc3h}};
  store_panel_tile(sums, rows, cols, c, ldc, out);
}

#if WT_HAVE_RELAXED_SIMD
namespace {

// The byte tiles' step: a row's quad at k = i (broadcast) against 4 channels' quads in wl and 4 in
// wh, into lo and hi. kSplitBytes: a row of halves (a quad's two 7-bit halves 4 bytes apart, 8 bytes
// a quad), both dotted into the same sums; else 7-bit bytes, one dot.
template <bool kSplitBytes>
void dot_quad(const uint8_t* row, size_t i, v128_t wl, v128_t wh, v128_t& lo, v128_t& hi) {
  if constexpr (kSplitBytes) {
    const v128_t first = wasm_v128_load32_splat(row + 2 * i), second = wasm_v128_load32_splat(row + 2 * i + 4);
    lo = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wl, first, lo);
    hi = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wh, first, hi);
    lo = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wl, second, lo);
    hi = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wh, second, hi);
  } else {
    const v128_t x = wasm_v128_load32_splat(row + i);
    lo = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wl, x, lo);
    hi = wt_i32x4_relaxed_dot_i8x16_i7x16_add(wh, x, hi);
  }
}

// The byte tiles' loop: 5 rows, each quad of weights loaded once for all of them.
template <bool kSplitBytes>
void qu8_gemm_5x8c4(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda, const int8_t* w, float* c,
                    size_t ldc, const Qd8Output& out) {
  const PanelRows<uint8_t> p(a, rows, lda);
  v128_t acc0l = wasm_i32x4_splat(0), acc0h = acc0l, acc1l = acc0l, acc1h = acc0l;
  v128_t acc2l = acc0l, acc2h = acc0l, acc3l = acc0l, acc3h = acc0l, acc4l = acc0l, acc4h = acc0l;
  if (out.column_offset) {
    acc0l = acc1l = acc2l = acc3l = acc4l = wasm_i32x4_neg(wasm_v128_load(out.column_offset));
    acc0h = acc1h = acc2h = acc3h = acc4h = wasm_i32x4_neg(wasm_v128_load(out.column_offset + 4));
  }
  for (size_t i = 0; i < kp; i += kQu8PanelKr, w += kQu8PanelKr * kQd8PanelNr) {
    const v128_t wl = wasm_v128_load(w), wh = wasm_v128_load(w + 16);  // channels 0-3, 4-7
    dot_quad<kSplitBytes>(p.row0, i, wl, wh, acc0l, acc0h);
    dot_quad<kSplitBytes>(p.row1, i, wl, wh, acc1l, acc1h);
    dot_quad<kSplitBytes>(p.row2, i, wl, wh, acc2l, acc2h);
    dot_quad<kSplitBytes>(p.row3, i, wl, wh, acc3l, acc3h);
    dot_quad<kSplitBytes>(p.row4, i, wl, wh, acc4l, acc4h);
  }
  const v128_t sums[kQu8PanelMr][2] = {{acc0l, acc0h}, {acc1l, acc1h}, {acc2l, acc2h}, {acc3l, acc3h}, {acc4l, acc4h}};
  store_panel_tile(sums, rows, cols, c, ldc, out);
}

// The byte tiles' single row (batch-1 linears): one row's quads against one panel, four quads a step
// into four pairs of accumulators, so consecutive dots do not wait on each other's sums.
template <bool kSplitBytes>
void qu8_gemm_1x8c4(size_t cols, size_t kp, const uint8_t* a, const int8_t* w, float* c, const Qd8Output& out) {
  const v128_t zero = wasm_i32x4_splat(0);
  v128_t lo0 = zero, hi0 = zero, lo1 = zero, hi1 = zero, lo2 = zero, hi2 = zero, lo3 = zero, hi3 = zero;
  if (out.column_offset) {
    lo0 = wasm_i32x4_neg(wasm_v128_load(out.column_offset));
    hi0 = wasm_i32x4_neg(wasm_v128_load(out.column_offset + 4));
  }
  // Quad i of the row (at k = i) against the panel's quad at wq (channels 0-3, then 4-7).
  const auto step = [&](size_t i, const int8_t* wq, v128_t& lo, v128_t& hi) {
    dot_quad<kSplitBytes>(a, i, wasm_v128_load(wq), wasm_v128_load(wq + 16), lo, hi);
  };
  constexpr size_t kQuadBytes = kQu8PanelKr * kQd8PanelNr;
  size_t i = 0;
  for (; i + 4 * kQu8PanelKr <= kp; i += 4 * kQu8PanelKr, w += 4 * kQuadBytes) {
    step(i, w, lo0, hi0);
    step(i + kQu8PanelKr, w + kQuadBytes, lo1, hi1);
    step(i + 2 * kQu8PanelKr, w + 2 * kQuadBytes, lo2, hi2);
    step(i + 3 * kQu8PanelKr, w + 3 * kQuadBytes, lo3, hi3);
  }
  for (; i < kp; i += kQu8PanelKr, w += kQuadBytes) step(i, w, lo0, hi0);
  const v128_t lo = wasm_i32x4_add(wasm_i32x4_add(lo0, lo1), wasm_i32x4_add(lo2, lo3));
  const v128_t hi = wasm_i32x4_add(wasm_i32x4_add(hi0, hi1), wasm_i32x4_add(hi2, hi3));
  const v128_t sums[1][2] = {{lo, hi}};
  store_panel_tile(sums, 1, cols, c, 0, out);
}

}  // namespace

void qu8_f32_qc8w_gemm_5x8c4_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                         const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  qu8_gemm_5x8c4<false>(rows, cols, kp, a, lda, w, c, ldc, out);
}

void qu8_f32_qc8w_gemm_5x8c4_split_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                               const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  qu8_gemm_5x8c4<true>(rows, cols, kp, a, lda, w, c, ldc, out);
}

void qu8_f32_qc8w_gemm_1x8c4_relaxedsimd(size_t, size_t cols, size_t kp, const uint8_t* a, size_t, const int8_t* w,
                                         float* c, size_t, const Qd8Output& out) {
  qu8_gemm_1x8c4<false>(cols, kp, a, w, c, out);
}

void qu8_f32_qc8w_gemm_1x8c4_split_relaxedsimd(size_t, size_t cols, size_t kp, const uint8_t* a, size_t,
                                               const int8_t* w, float* c, size_t, const Qd8Output& out) {
  qu8_gemm_1x8c4<true>(cols, kp, a, w, c, out);
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
