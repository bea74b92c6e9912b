// SIMD128 GEMM tiles. A is broadcast with v128.load32_splat (XNNPACK's shuffle-splat style ran
// ~30% slower in V8); B rows are two 4-wide loads.
#include <algorithm>
#include <limits>

#include "kernels/f32_gemm.h"
#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

namespace {

// A tile's epilogue, read from F32GemmOutput once per call. Read per vector, the bounds and biases
// were loaded again after every store (the stores may alias them) and each bound splat again; and
// the clamp now runs only where a bound is finite. pmax(v, lo) = v < lo ? lo : v and pmin(v, hi)
// = hi < v ? hi : v: NaN passes, as in the scalar kernel.
class TileEpilogue {
 public:
  explicit TileEpilogue(const F32GemmOutput& out)
      : accumulate_(out.accumulate),
        clamp_(out.finish && (out.minmax.min > -std::numeric_limits<float>::infinity() ||
                              out.minmax.max < std::numeric_limits<float>::infinity())),
        col_bias_(out.finish && out.col_bias),
        row_bias_(out.finish ? out.row_bias : nullptr),
        lo_(wasm_f32x4_splat(out.minmax.min)),
        hi_(wasm_f32x4_splat(out.minmax.max)),
        col_lo_(col_bias_ ? wasm_v128_load(out.col_bias) : wasm_f32x4_splat(0.f)),
        col_hi_(col_bias_ ? wasm_v128_load(out.col_bias + 4) : wasm_f32x4_splat(0.f)) {}

  // Row `row` of the tile: 8 outputs at c.
  void store_row(float* c, v128_t lo, v128_t hi, size_t row) const {
    if (accumulate_) {
      lo = wasm_f32x4_add(lo, wasm_v128_load(c));
      hi = wasm_f32x4_add(hi, wasm_v128_load(c + 4));
    }
    if (row_bias_) {
      const v128_t bias = wasm_v128_load32_splat(row_bias_ + row);
      lo = wasm_f32x4_add(lo, bias);
      hi = wasm_f32x4_add(hi, bias);
    }
    if (col_bias_) {
      lo = wasm_f32x4_add(lo, col_lo_);
      hi = wasm_f32x4_add(hi, col_hi_);
    }
    if (clamp_) {
      lo = wasm_f32x4_pmin(wasm_f32x4_pmax(lo, lo_), hi_);
      hi = wasm_f32x4_pmin(wasm_f32x4_pmax(hi, lo_), hi_);
    }
    wasm_v128_store(c, lo);
    wasm_v128_store(c + 4, hi);
  }

 private:
  bool accumulate_, clamp_, col_bias_;
  const float* row_bias_;
  v128_t lo_, hi_, col_lo_, col_hi_;
};

}  // namespace

namespace {

struct Tile4x8 {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
};

// acc + a * b: a multiply and an add, or relaxed SIMD's fused multiply-add (kFused).
template <bool kFused>
inline v128_t mul_add(v128_t a, v128_t b, v128_t acc) {
#if WT_HAVE_RELAXED_SIMD
  if constexpr (kFused) return wt_f32x4_relaxed_madd(a, b, acc);
#endif
  return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b));
}

// kLdb > 0 fixes the B row stride at compile time (packed panels: 8); kLdb == 0 reads it from ldb.
template <size_t kLdb, bool kFused>
inline Tile4x8 accumulate_4x8(size_t k, const float* a, size_t lda, const float* b, size_t ldb) {
  if (kLdb) ldb = kLdb;
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
    c00 = mul_add<kFused>(v0, b0, c00);
    c01 = mul_add<kFused>(v0, b1, c01);
    const v128_t v1 = wasm_v128_load32_splat(a1 + p);
    c10 = mul_add<kFused>(v1, b0, c10);
    c11 = mul_add<kFused>(v1, b1, c11);
    const v128_t v2 = wasm_v128_load32_splat(a2 + p);
    c20 = mul_add<kFused>(v2, b0, c20);
    c21 = mul_add<kFused>(v2, b1, c21);
    const v128_t v3 = wasm_v128_load32_splat(a3 + p);
    c30 = mul_add<kFused>(v3, b0, c30);
    c31 = mul_add<kFused>(v3, b1, c31);
  }
  return Tile4x8{c00, c01, c10, c11, c20, c21, c30, c31};
}

template <bool kFused>
void gemm_4x8(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
              const F32GemmOutput& out) {
  const Tile4x8 t = ldb == kGemmNr ? accumulate_4x8<kGemmNr, kFused>(k, a, lda, b, ldb)
                                   : accumulate_4x8<0, kFused>(k, a, lda, b, ldb);
  const TileEpilogue epilogue(out);
  epilogue.store_row(c, t.c00, t.c01, 0);
  epilogue.store_row(c + ldc, t.c10, t.c11, 1);
  epilogue.store_row(c + 2 * ldc, t.c20, t.c21, 2);
  epilogue.store_row(c + 3 * ldc, t.c30, t.c31, 3);
}

// The indirect tile (f32_gemm.h): each tap's 4 rows through their pointers, one epilogue at the end.
// Its loop is accumulate_4x8's with the row pointers given: sharing one body between them (rows
// from a and lda, or from pointers) cost the GEMM's own tile 4.7% more instructions (the
// performance gate's count of the native build).
template <bool kFused>
void igemm_4x8_panels(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                      size_t panel_stride, size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, panels, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (size_t tap = 0; tap < taps; ++tap) {
      const float* const* tap_rows = a + tap * kGemmMr;
      const float *a0 = tap_rows[0], *a1 = tap_rows[1], *a2 = tap_rows[2], *a3 = tap_rows[3];
      for (size_t p = 0; p < kc; ++p, bq += kGemmNr) {
        const v128_t b0 = wasm_v128_load(bq);
        const v128_t b1 = wasm_v128_load(bq + 4);
        const v128_t v0 = wasm_v128_load32_splat(a0 + p);
        c00 = mul_add<kFused>(v0, b0, c00);
        c01 = mul_add<kFused>(v0, b1, c01);
        const v128_t v1 = wasm_v128_load32_splat(a1 + p);
        c10 = mul_add<kFused>(v1, b0, c10);
        c11 = mul_add<kFused>(v1, b1, c11);
        const v128_t v2 = wasm_v128_load32_splat(a2 + p);
        c20 = mul_add<kFused>(v2, b0, c20);
        c21 = mul_add<kFused>(v2, b1, c21);
        const v128_t v3 = wasm_v128_load32_splat(a3 + p);
        c30 = mul_add<kFused>(v3, b0, c30);
        c31 = mul_add<kFused>(v3, b1, c31);
      }
    }
    const TileEpilogue epilogue(o);
    epilogue.store_row(cq, c00, c01, 0);
    if (rows > 1) epilogue.store_row(cq + ldc, c10, c11, 1);
    if (rows > 2) epilogue.store_row(cq + 2 * ldc, c20, c21, 2);
    if (rows > 3) epilogue.store_row(cq + 3 * ldc, c30, c31, 3);
  });
}

// f32_igemm_4x8_group_pairs: the indirect tile's loop, each row's two halves from their own
// group's input channels (two broadcasts) and panel.
template <bool kFused>
void igemm_4x8_group_pairs(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                           size_t panel_stride, float* c, size_t ldc, const F32GemmOutput& out) {
  const float* b_lo = b;
  const float* b_hi = b + panel_stride;
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (size_t tap = 0; tap < taps; ++tap) {
    const float* const* tap_rows = a + tap * kGemmMr;
    const float *a0 = tap_rows[0], *a1 = tap_rows[1], *a2 = tap_rows[2], *a3 = tap_rows[3];
    for (size_t p = 0; p < kc; ++p, b_lo += kGemmNr, b_hi += kGemmNr) {
      const v128_t b0 = wasm_v128_load(b_lo);
      const v128_t b1 = wasm_v128_load(b_hi);
      c00 = mul_add<kFused>(wasm_v128_load32_splat(a0 + p), b0, c00);
      c01 = mul_add<kFused>(wasm_v128_load32_splat(a0 + kc + p), b1, c01);
      c10 = mul_add<kFused>(wasm_v128_load32_splat(a1 + p), b0, c10);
      c11 = mul_add<kFused>(wasm_v128_load32_splat(a1 + kc + p), b1, c11);
      c20 = mul_add<kFused>(wasm_v128_load32_splat(a2 + p), b0, c20);
      c21 = mul_add<kFused>(wasm_v128_load32_splat(a2 + kc + p), b1, c21);
      c30 = mul_add<kFused>(wasm_v128_load32_splat(a3 + p), b0, c30);
      c31 = mul_add<kFused>(wasm_v128_load32_splat(a3 + kc + p), b1, c31);
    }
  }
  const TileEpilogue epilogue(out);
  epilogue.store_row(c, c00, c01, 0);
  if (rows > 1) epilogue.store_row(c + ldc, c10, c11, 1);
  if (rows > 2) epilogue.store_row(c + 2 * ldc, c20, c21, 2);
  if (rows > 3) epilogue.store_row(c + 3 * ldc, c30, c31, 3);
}

}  // namespace

void f32_igemm_4x8_group_pairs_simd128(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                       size_t panel_stride, float* c, size_t ldc, const F32GemmOutput& out) {
  igemm_4x8_group_pairs<false>(rows, taps, kc, a, b, panel_stride, c, ldc, out);
}

void f32_igemm_4x8_panels_simd128(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                  size_t panel_stride, size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  igemm_4x8_panels<false>(rows, taps, kc, a, b, panel_stride, panels, c, ldc, out);
}

void f32_gemm_4x8_simd128(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                          const F32GemmOutput& out) {
  gemm_4x8<false>(k, a, lda, b, ldb, c, ldc, out);
}

void f32_gemm_4x8_panels_simd128(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                 size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, panels, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    gemm_4x8<false>(k, a, lda, bq, kGemmNr, cq, ldc, o);
  });
}

#if WT_HAVE_RELAXED_SIMD
// 5x8: with fused multiply-adds no product temporary is live, so 10 accumulators, 2 B vectors and
// 1 broadcast A still fit V8's registers.
namespace {

inline void gemm_5x8(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                     const F32GemmOutput& out) {
  const float* a0 = a;
  const float* a1 = a0 + lda;
  const float* a2 = a1 + lda;
  const float* a3 = a2 + lda;
  const float* a4 = a3 + lda;
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
         c40 = c00, c41 = c00;
  for (size_t p = 0; p < k; ++p) {
    const v128_t b0 = wasm_v128_load(b);
    const v128_t b1 = wasm_v128_load(b + 4);
    b += ldb;
    const v128_t v0 = wasm_v128_load32_splat(a0 + p);
    c00 = wt_f32x4_relaxed_madd(v0, b0, c00);
    c01 = wt_f32x4_relaxed_madd(v0, b1, c01);
    const v128_t v1 = wasm_v128_load32_splat(a1 + p);
    c10 = wt_f32x4_relaxed_madd(v1, b0, c10);
    c11 = wt_f32x4_relaxed_madd(v1, b1, c11);
    const v128_t v2 = wasm_v128_load32_splat(a2 + p);
    c20 = wt_f32x4_relaxed_madd(v2, b0, c20);
    c21 = wt_f32x4_relaxed_madd(v2, b1, c21);
    const v128_t v3 = wasm_v128_load32_splat(a3 + p);
    c30 = wt_f32x4_relaxed_madd(v3, b0, c30);
    c31 = wt_f32x4_relaxed_madd(v3, b1, c31);
    const v128_t v4 = wasm_v128_load32_splat(a4 + p);
    c40 = wt_f32x4_relaxed_madd(v4, b0, c40);
    c41 = wt_f32x4_relaxed_madd(v4, b1, c41);
  }
  const TileEpilogue epilogue(out);
  epilogue.store_row(c, c00, c01, 0);
  epilogue.store_row(c + ldc, c10, c11, 1);
  epilogue.store_row(c + 2 * ldc, c20, c21, 2);
  epilogue.store_row(c + 3 * ldc, c30, c31, 3);
  epilogue.store_row(c + 4 * ldc, c40, c41, 4);
}

}  // namespace

void f32_gemm_5x8_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                              const F32GemmOutput& out) {
  gemm_5x8(k, a, lda, b, ldb, c, ldc, out);
}

void f32_gemm_5x8_panels_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                     size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, panels, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    gemm_5x8(k, a, lda, bq, kGemmNr, cq, ldc, o);
  });
}

void f32_igemm_4x8_panels_relaxedsimd(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                      size_t panel_stride, size_t panels, float* c, size_t ldc,
                                      const F32GemmOutput& out) {
  igemm_4x8_panels<true>(rows, taps, kc, a, b, panel_stride, panels, c, ldc, out);
}

void f32_igemm_4x8_group_pairs_relaxedsimd(size_t rows, size_t taps, size_t kc, const float* const* a,
                                           const float* b, size_t panel_stride, float* c, size_t ldc,
                                           const F32GemmOutput& out) {
  igemm_4x8_group_pairs<true>(rows, taps, kc, a, b, panel_stride, c, ldc, out);
}

void f32_gemm_4x8_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                              const F32GemmOutput& out) {
  gemm_4x8<true>(k, a, lda, b, ldb, c, ldc, out);
}

void f32_gemm_4x8_panels_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                     size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, panels, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    gemm_4x8<true>(k, a, lda, bq, kGemmNr, cq, ldc, o);
  });
}
#endif

void f32_gemm_1x8_simd128(size_t k, const float* a, const float* b, size_t ldb, float* c, const F32GemmOutput& out) {
  // Four accumulator pairs over k mod 4 hide the add latency of a single row (batch-1 linear
  // layers stream their weight panels through here).
  v128_t lo[4], hi[4];
  for (int r = 0; r < 4; ++r) lo[r] = hi[r] = wasm_f32x4_splat(0.f);
  size_t p = 0;
  for (; p + 4 <= k; p += 4) {
    for (int r = 0; r < 4; ++r) {
      const v128_t v = wasm_v128_load32_splat(a + p + r);
      lo[r] = wt_f32x4_mul_add(v, wasm_v128_load(b + r * ldb), lo[r]);
      hi[r] = wt_f32x4_mul_add(v, wasm_v128_load(b + r * ldb + 4), hi[r]);
    }
    b += 4 * ldb;
  }
  for (int r = 0; p < k; ++p, ++r, b += ldb) {
    const v128_t v = wasm_v128_load32_splat(a + p);
    lo[r] = wt_f32x4_mul_add(v, wasm_v128_load(b), lo[r]);
    hi[r] = wt_f32x4_mul_add(v, wasm_v128_load(b + 4), hi[r]);
  }
  TileEpilogue(out).store_row(c, wasm_f32x4_add(wasm_f32x4_add(lo[0], lo[1]), wasm_f32x4_add(lo[2], lo[3])),
                              wasm_f32x4_add(wasm_f32x4_add(hi[0], hi[1]), wasm_f32x4_add(hi[2], hi[3])), 0);
}

void f32_gemm_1x32_simd128(size_t k, const float* a, const float* b, size_t panel_stride, size_t ldb, float* c,
                           const F32GemmOutput& out) {
  // Four panels side by side: 8 independent accumulators, and each broadcast of A feeds 8 updates.
  const float* b1 = b + panel_stride;
  const float* b2 = b1 + panel_stride;
  const float* b3 = b2 + panel_stride;
  v128_t acc[8];
  for (v128_t& v : acc) v = wasm_f32x4_splat(0.f);
  for (size_t p = 0; p < k; ++p) {
    const v128_t v = wasm_v128_load32_splat(a + p);
    acc[0] = wt_f32x4_mul_add(v, wasm_v128_load(b), acc[0]);
    acc[1] = wt_f32x4_mul_add(v, wasm_v128_load(b + 4), acc[1]);
    acc[2] = wt_f32x4_mul_add(v, wasm_v128_load(b1), acc[2]);
    acc[3] = wt_f32x4_mul_add(v, wasm_v128_load(b1 + 4), acc[3]);
    acc[4] = wt_f32x4_mul_add(v, wasm_v128_load(b2), acc[4]);
    acc[5] = wt_f32x4_mul_add(v, wasm_v128_load(b2 + 4), acc[5]);
    acc[6] = wt_f32x4_mul_add(v, wasm_v128_load(b3), acc[6]);
    acc[7] = wt_f32x4_mul_add(v, wasm_v128_load(b3 + 4), acc[7]);
    b += ldb;
    b1 += ldb;
    b2 += ldb;
    b3 += ldb;
  }
  F32GemmOutput panel_out = out;
  for (size_t q = 0; q < 4; ++q) {
    if (out.col_bias) panel_out.col_bias = out.col_bias + q * kGemmNr;
    TileEpilogue(panel_out).store_row(c + q * kGemmNr, acc[2 * q], acc[2 * q + 1], 0);
  }
}

namespace {

// Four halves in the upper 16 bits of 32-bit lanes to the floats of their values times 2^-112
// (f32_gemm.h): an arithmetic shift by 3 keeps the sign at bit 31 and brings exponent and mantissa
// to bits 27..13; the and clears the sign's copies (30..28) and what the lower halves left (12..0).
inline v128_t upper_halves_to_rebased_f32(v128_t lanes, v128_t mask) { return wasm_v128_and(wasm_i32x4_shr(lanes, 3), mask); }

}  // namespace

void f32_f16w_gemm_1x32_simd128(size_t k, const float* a_scaled, const uint16_t* b, float out_scale, float* c,
                                const F32GemmOutput& out) {
  // Each 8 halves of a row are read twice: as loaded, their odd columns are the upper halves of the
  // four lanes; loaded one half earlier, the even ones. Two shifts and two ands per 8 halves, where
  // widening them in place took three shifts and ands and two interleaves: the bench's fp16 MLP
  // 5-7% faster in Chromium. Sums stay in even and odd columns until the end.
  v128_t even[4], odd[4];
  for (size_t q = 0; q < 4; ++q) even[q] = odd[q] = wasm_f32x4_splat(0.f);
  const v128_t mask = wt_v128_opaque(wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u)));
  const auto accumulate = [&](size_t q, v128_t x, v128_t halves, v128_t halves_one_earlier) {
    even[q] = wt_f32x4_mul_add(x, upper_halves_to_rebased_f32(halves_one_earlier, mask), even[q]);
    odd[q] = wt_f32x4_mul_add(x, upper_halves_to_rebased_f32(halves, mask), odd[q]);
  };
  if (k > 0) {  // the half before the panel's first is not the panel's: its first row shifts its own load
    const v128_t x = wasm_v128_load32_splat(a_scaled);
    for (size_t q = 0; q < 4; ++q) {
      const v128_t halves = wasm_v128_load(b + q * kGemmNr);
      accumulate(q, x, halves,
                 wasm_i8x16_shuffle(wasm_i32x4_splat(0), halves, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                                    28, 29));
    }
  }
  for (size_t p = 1; p < k; ++p) {
    const v128_t x = wasm_v128_load32_splat(a_scaled + p);
    const uint16_t* row = b + p * 4 * kGemmNr;
    for (size_t q = 0; q < 4; ++q) {
      accumulate(q, x, wasm_v128_load(row + q * kGemmNr), wasm_v128_load(row + q * kGemmNr - 1));
    }
  }
  const v128_t scale = wasm_f32x4_splat(out_scale);
  F32GemmOutput panel_out = out;
  for (size_t q = 0; q < 4; ++q) {
    if (out.col_bias) panel_out.col_bias = out.col_bias + q * kGemmNr;
    const v128_t lo = wasm_i32x4_shuffle(even[q], odd[q], 0, 4, 1, 5), hi = wasm_i32x4_shuffle(even[q], odd[q], 2, 6, 3, 7);
    TileEpilogue(panel_out).store_row(c + q * kGemmNr, wasm_f32x4_mul(lo, scale), wasm_f32x4_mul(hi, scale), 0);
  }
}

namespace {

// R rows' dot products with b over k: R accumulators across k, 4 lanes each, then the lanes summed.
template <size_t R>
void dot_rows(size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc, const F32GemmOutput& out) {
  v128_t acc[R];
  for (v128_t& v : acc) v = wasm_f32x4_splat(0.f);
  size_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const v128_t bv = wasm_v128_load(b + p);
    for (size_t r = 0; r < R; ++r) acc[r] = wt_f32x4_mul_add(wasm_v128_load(a + r * lda + p), bv, acc[r]);
  }
  for (size_t r = 0; r < R; ++r) {
    float sum = wt_f32x4_sum(acc[r]);
    for (size_t q = p; q < k; ++q) sum += a[r * lda + q] * b[q];
    c[r * ldc] = gemm_finish_value(sum, c[r * ldc], r, 0, out);
  }
}

}  // namespace

void f32_gemm_dot_simd128(size_t rows, size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                          const F32GemmOutput& out) {
  F32GemmOutput rows_out = out;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    rows_out.row_bias = out.row_bias ? out.row_bias + r : nullptr;
    dot_rows<4>(k, a + r * lda, lda, b, c + r * ldc, ldc, rows_out);
  }
  for (; r < rows; ++r) {
    rows_out.row_bias = out.row_bias ? out.row_bias + r : nullptr;
    dot_rows<1>(k, a + r * lda, lda, b, c + r * ldc, ldc, rows_out);
  }
}

void f32_gemv_4x1_simd128(size_t k, size_t n, const float* a, const float* b, size_t ldb, float* y,
                          const F32GemmOutput& out) {
  const size_t vec_n = n / 8 * 8;
  std::fill(y, y + n, 0.f);
  size_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const v128_t x0 = wasm_v128_load32_splat(a + p), x1 = wasm_v128_load32_splat(a + p + 1);
    const v128_t x2 = wasm_v128_load32_splat(a + p + 2), x3 = wasm_v128_load32_splat(a + p + 3);
    const float* b0 = b + p * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    for (size_t j = 0; j < vec_n; j += 8) {
      v128_t lo = wasm_v128_load(y + j), hi = wasm_v128_load(y + j + 4);
      lo = wt_f32x4_mul_add(x0, wasm_v128_load(b0 + j), lo);
      hi = wt_f32x4_mul_add(x0, wasm_v128_load(b0 + j + 4), hi);
      lo = wt_f32x4_mul_add(x1, wasm_v128_load(b1 + j), lo);
      hi = wt_f32x4_mul_add(x1, wasm_v128_load(b1 + j + 4), hi);
      lo = wt_f32x4_mul_add(x2, wasm_v128_load(b2 + j), lo);
      hi = wt_f32x4_mul_add(x2, wasm_v128_load(b2 + j + 4), hi);
      lo = wt_f32x4_mul_add(x3, wasm_v128_load(b3 + j), lo);
      hi = wt_f32x4_mul_add(x3, wasm_v128_load(b3 + j + 4), hi);
      wasm_v128_store(y + j, lo);
      wasm_v128_store(y + j + 4, hi);
    }
    for (size_t j = vec_n; j < n; ++j) y[j] += a[p] * b0[j] + a[p + 1] * b1[j] + a[p + 2] * b2[j] + a[p + 3] * b3[j];
  }
  for (; p < k; ++p) {
    const float* row = b + p * ldb;
    for (size_t j = 0; j < n; ++j) y[j] += a[p] * row[j];
  }
  F32GemmOutput finish = out;
  finish.accumulate = true;  // y holds the sums; the epilogue adds them to zero-initialized lanes
  for (size_t j = 0; j < vec_n; j += 8) {
    if (out.col_bias) finish.col_bias = out.col_bias + j;
    TileEpilogue(finish).store_row(y + j, wasm_f32x4_splat(0.f), wasm_f32x4_splat(0.f), 0);
  }
  for (size_t j = vec_n; j < n; ++j) {
    float v = y[j] + (out.row_bias ? out.row_bias[0] : 0.f) + (out.col_bias ? out.col_bias[j] : 0.f);
    y[j] = clamp_minmax(v, out.minmax);
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
