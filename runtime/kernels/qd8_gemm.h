// Quantized GEMM with int8 weights ("qd8-f32-qc8w", XNNPACK's name for the dynamic scheme): f32
// activations are quantized per row at run time to int8 values (symmetric, scale = max|row| / 127)
// or, statically, with a calibrated scale and zero point (qu8 below), weights are
// int8 per output channel (symmetric, quantized at export), the products are summed exactly in
// int32 and the tile dequantizes on store: C = sum * a_scale[row] * w_scale[col] + bias[col].
// Weights are [N, Kp] rows (Kp = K rounded up to kQd8KBlock, zero past K); quantized rows are
// stored widened to int16. The SIMD128 kernels multiply int16 pairs with i32x4.dot_i16x8_s: A is
// widened once per row (not again for every group of columns), each 8 weights on load
// (v128.load8x8_s, one instruction): 16 multiply-adds cost 2 loads, 2 dots and 2 adds.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/contract.h"
#include "kernels/activation.h"

namespace wt {

// K is processed in blocks of 16 (one v128 of int8 weights); rows and weights are padded to it
// (the exporter pads the weights: a contract constant).
constexpr size_t kQd8KBlock = contract::kQd8KBlock;
static_assert(kQd8KBlock == 16, "the SIMD128 tile reads one v128 of int8 weights per block");
// The tiles: 2 rows x 4 output channels, or for a single row 1 x 8; each 8 int32x4 accumulators,
// within V8's 15 xmm registers beside the row and weight vectors they read.
constexpr size_t kQd8Mr = 2;
constexpr size_t kQd8Nr = 4;
constexpr size_t kQd8RowNr = 8;

inline size_t qd8_padded_k(size_t k) { return (k + kQd8KBlock - 1) / kQd8KBlock * kQd8KBlock; }

// Static activation quantization's parameters (qu8, below): q = clamp(round(x * inv_scale), lo, hi).
struct Qu8Params {
  float inv_scale;
  float lo, hi;
};

// One value's byte u = q + zero_point (qu8_quantize_to_u8's).
inline uint8_t qu8_quantize_one(float x, const Qu8Params& p) {
  float q = std::nearbyint(x * p.inv_scale);
  q = q != q ? 0.f : (q < p.lo ? p.lo : (q > p.hi ? p.hi : q));
  return static_cast<uint8_t>(q - p.lo);
}

// What a tile does on store: out = sum * a_scale[row] * w_scale[col] (+ bias[col]) (+ the previous
// value when accumulating onto a residual), then the fused clamp.
struct Qd8Output {
  const float* a_scale;         // one per row of the tile
  const float* w_scale;         // one per column of the tile
  const float* bias = nullptr;  // one per column; may be null
  bool accumulate = false;
  F32MinMax minmax;
  // The byte tile's (qu8 below): subtracted from each column's sum, 8 per panel from the tile's
  // first column (zero past N).
  const int32_t* column_offset = nullptr;
  // Requantizing (an int8 region's writer; the panel tiles only): each output, after the clamp, is
  // quantized as qu8_quantize_to_u8 does with *requantize and stored as the byte
  // bytes[r * ld_bytes + j], not in c, which `accumulate` then only reads (the residual).
  const Qu8Params* requantize = nullptr;
  uint8_t* bytes = nullptr;
  size_t ld_bytes = 0;
};

// Quantizes one row x[0, k) to xq[0, kp) (zero past k) and returns its scale (0 for a zero row).
// Rounds to nearest even, as f32x4.nearest does.
float qd8_quantize_row_scalar(size_t k, size_t kp, const float* x, int16_t* xq);
float qd8_quantize_row_simd128(size_t k, size_t kp, const float* x, int16_t* xq);
using Qd8QuantizeRowFn = float (*)(size_t, size_t, const float*, int16_t*);

// Static (calibrated) activation quantization, asymmetric 8-bit as onnxruntime's QUInt8: the value
// is u = clamp(round(x / scale) + zero_point, 0, 255), stored widened to int16 with the zero point
// already subtracted: q = u - zero_point = clamp(round(x * inv_scale), lo, hi), lo = -zero_point,
// hi = 255 - zero_point. So 0.0 is exactly 0 (a convolution's padding), the sum needs no
// zero-point correction, and the tiles below run unchanged: |q| <= 255 and |w| <= 127 keep each
// i32x4.dot_i16x8_s pair within int32. Rounds to nearest even; NaN quantizes to 0, infinities
// saturate.
void qu8_quantize_scalar(size_t n, const float* x, const Qu8Params& p, int16_t* xq);
void qu8_quantize_simd128(size_t n, const float* x, const Qu8Params& p, int16_t* xq);
using Qu8QuantizeFn = void (*)(size_t, const float*, const Qu8Params&, int16_t*);

// C[rows, cols]: row r of A at a + r * lda (int16, kp long), column c of W at w + c * ldw (int8,
// kp long), output (r, c) at c_out + r * ldc + c. The tiles take rows <= 2, cols <= 4 (2x4) or
// rows = 1, cols <= 8 (1x8); the reference any shape.
void qd8_f32_qc8w_gemm_scalar(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda, const int8_t* w,
                              size_t ldw, float* c, size_t ldc, const Qd8Output& out);
void qd8_f32_qc8w_gemm_2x4c16_simd128(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                      const int8_t* w, size_t ldw, float* c, size_t ldc, const Qd8Output& out);
void qd8_f32_qc8w_gemm_1x8c16_simd128(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                      const int8_t* w, size_t ldw, float* c, size_t ldc, const Qd8Output& out);
using Qd8GemmFn = void (*)(size_t, size_t, size_t, const int16_t*, size_t, const int8_t*, size_t, float*, size_t,
                           const Qd8Output&);

// The panel tile, for many rows (convolutions): 4 rows x 8 output channels, the weights in panels
// of 8 channels with K in pairs, [ceil(N / 8)][Kp / 2][8][2] (Kp = K rounded up to 2, zero past K
// and past N). Each pair of a row, broadcast with one v128.load32_splat, meets 4 channels' pairs
// in one i32x4.dot_i16x8_s: the sums land in columns, so the tile needs no horizontal reduction and
// small K (MobileNet's 16-96 channel 1x1 convolutions) pays little beyond its multiply-adds.
// rows <= 4, cols <= 8; w is one panel; a_scale has one entry per row.
constexpr size_t kQd8PanelMr = 4;
constexpr size_t kQd8PanelNr = contract::kGemmPanelWidth;
constexpr size_t kQd8PanelKr = contract::kQd8PanelKPair;
static_assert(kQd8PanelNr == 8 && kQd8PanelKr == 2, "the SIMD128 panel tile reads 8 channels' pairs as two v128");
inline size_t qd8_panel_padded_k(size_t k) { return (k + kQd8PanelKr - 1) / kQd8PanelKr * kQd8PanelKr; }
void qd8_f32_qc8w_gemm_4x8c2_scalar(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                    const int8_t* w, float* c, size_t ldc, const Qd8Output& out);
void qd8_f32_qc8w_gemm_4x8c2_simd128(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                     const int8_t* w, float* c, size_t ldc, const Qd8Output& out);
using Qd8PanelGemmFn = void (*)(size_t, size_t, size_t, const int16_t*, size_t, const int8_t*, float*, size_t,
                                const Qd8Output&);

// Static activations as bytes, for relaxed SIMD's int8 dot: u = q + zero_point = clamp(round(x *
// inv_scale), lo, hi) - lo, one byte each (0..127 for 7-bit inputs, whose hi is 127 - zero_point).
void qu8_quantize_to_u8_scalar(size_t n, const float* x, const Qu8Params& p, uint8_t* xu);
void qu8_quantize_to_u8_simd128(size_t n, const float* x, const Qu8Params& p, uint8_t* xu);
using Qu8QuantizeToU8Fn = void (*)(size_t, const float*, const Qu8Params&, uint8_t*);

// Bytes u made so (an int8 region's tensors, between static ops) back to the 4x8c2 tile's q = u -
// zero_point, or to floats (u - zero_point) * scale for the layers a region's float kernels run.
void qu8_widen_scalar(size_t n, const uint8_t* xu, int32_t zero_point, int16_t* xq);
void qu8_widen_simd128(size_t n, const uint8_t* xu, int32_t zero_point, int16_t* xq);
using Qu8WidenFn = void (*)(size_t, const uint8_t*, int32_t, int16_t*);
void qu8_dequantize_scalar(size_t n, const uint8_t* xu, int32_t zero_point, float scale, float* y);
void qu8_dequantize_simd128(size_t n, const uint8_t* xu, int32_t zero_point, float scale, float* y);
using Qu8DequantizeFn = void (*)(size_t, const uint8_t*, int32_t, float, float*);

// The byte panel tile, for 7-bit static inputs: 5 rows of bytes u in 0..127 x 8 output channels,
// the weights in panels of 8 channels with K in quads, [ceil(N / 8)][Kp / 4][8][4] (Kp = K rounded
// up to 4, zero past K and past N). Each row's quad, broadcast with one v128.load32_splat, meets 4
// channels' quads in one i32x4.relaxed_dot_i8x16_i7x16_add_s: 16 products and their accumulation in
// one instruction (one vpdpbusd where the CPU has AVX-VNNI: 164 G multiply-adds/s in Chromium 156
// on this machine's Xeon against 41-55 for the 4x8c2 tile). The sum minus out.column_offset
// (zero_point x the column's weight sum) is the 4x8c2 tile's sum over q = u - zero_point, exactly:
// the two tiles' outputs match bit for bit. Five rows, so ten accumulators: a dot waits ~5 cycles
// for its accumulator's previous one, and eight kept two dots a cycle from issuing (the f32 relaxed
// tile is 5x8 for the same reason). rows <= 5, cols <= 8; w is one panel.
constexpr size_t kQu8PanelMr = 5;
constexpr size_t kQu8PanelKr = 4;
inline size_t qu8_panel_padded_k(size_t k) { return (k + kQu8PanelKr - 1) / kQu8PanelKr * kQu8PanelKr; }
void qu8_f32_qc8w_gemm_5x8c4_scalar(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                    const int8_t* w, float* c, size_t ldc, const Qd8Output& out);
void qu8_f32_qc8w_gemm_5x8c4_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                         const int8_t* w, float* c, size_t ldc, const Qd8Output& out);
using Qu8PanelGemmFn = void (*)(size_t, size_t, size_t, const uint8_t*, size_t, const int8_t*, float*, size_t,
                                const Qd8Output&);
// The split byte tile, for dynamic rows: each value as a byte u = q + kQd8ByteZeroPoint (0..254),
// stored as two 7-bit halves, (u + 1) >> 1 and u >> 1, so relaxed SIMD's int8 dot multiplies them
// exactly: a row's quad j is 8 bytes at 8j, the four first halves then the four second ones (rows
// of 2 Kp bytes). Both halves' dots go to the same accumulators; the sums minus kQd8ByteZeroPoint x
// the column's weight sum (out.column_offset) are the 2x4 tile's over q, so the outputs are its
// bits. Twice the byte tile's dots, no more instructions than that: the halves are made once a row,
// not once a tile. rows <= 5, cols <= 8; w is one panel as the byte tile's.
constexpr int kQd8ByteZeroPoint = 127;

// Byte u of a row's value i into the row's halves.
inline void put_halves(uint8_t* xh, size_t i, int u) {
  uint8_t* at = xh + 2 * (i - i % kQu8PanelKr) + i % kQu8PanelKr;
  at[0] = static_cast<uint8_t>((u + 1) >> 1);
  at[kQu8PanelKr] = static_cast<uint8_t>(u >> 1);
}

// Quantizes one row x[0, k) as qd8_quantize_row does (the same q and scale) into its halves,
// xh[0, 2 kp) (zero past k; kp a multiple of 4).
float qd8_quantize_row_to_halves_scalar(size_t k, size_t kp, const float* x, uint8_t* xh);
float qd8_quantize_row_to_halves_simd128(size_t k, size_t kp, const float* x, uint8_t* xh);
using Qd8QuantizeRowToHalvesFn = float (*)(size_t, size_t, const float*, uint8_t*);
// Static 8-bit inputs of at most kQu8HalvesMaxByte (calibrated so: attribute input_max) on the
// split tile: one row x[0, k) quantized as qu8_quantize_to_u8 does into halves xh[0, 2 kp), zero
// past k. The tile's column offsets are then zero_point x the weight sums, as the byte tile's.
constexpr int kQu8HalvesMaxByte = contract::kQu8HalvesMaxByte;
static_assert(kQu8HalvesMaxByte == 2 * 127, "(u + 1) >> 1 and u >> 1 both within 7 bits");
void qu8_quantize_row_to_halves_scalar(size_t k, size_t kp, const float* x, const Qu8Params& p, uint8_t* xh);
void qu8_quantize_row_to_halves_simd128(size_t k, size_t kp, const float* x, const Qu8Params& p, uint8_t* xh);
using Qu8QuantizeRowToHalvesFn = void (*)(size_t, size_t, const float*, const Qu8Params&, uint8_t*);
// A row of bytes u[0, kp) already quantized (at most kQu8HalvesMaxByte: a convolution's gathered
// im2col row) into its halves xh[0, 2 kp); kp a multiple of 4.
void qu8_bytes_to_halves_scalar(size_t kp, const uint8_t* u, uint8_t* xh);
void qu8_bytes_to_halves_simd128(size_t kp, const uint8_t* u, uint8_t* xh);
using Qu8BytesToHalvesFn = void (*)(size_t, const uint8_t*, uint8_t*);

void qu8_f32_qc8w_gemm_5x8c4_split_scalar(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                          const int8_t* w, float* c, size_t ldc, const Qd8Output& out);
void qu8_f32_qc8w_gemm_5x8c4_split_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                               const int8_t* w, float* c, size_t ldc, const Qd8Output& out);

// The byte tiles for a single row (batch-1 linears), 8 output channels: rows = 1, cols <= 8, the
// same arguments and references (the 5x8c4 scalar functions), four quads a step into independent
// sums. The 5x8c4 tiles on one row would compute it five times.
void qu8_f32_qc8w_gemm_1x8c4_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                         const int8_t* w, float* c, size_t ldc, const Qd8Output& out);
void qu8_f32_qc8w_gemm_1x8c4_split_relaxedsimd(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                               const int8_t* w, float* c, size_t ldc, const Qd8Output& out);

// Whether this engine's relaxed int8 dot gives the exact sums for 7-bit operands (Node 20's V8 gave
// twice the dot and dropped the accumulator): checked once, when the kernel table is built.
bool relaxed_int8_dot_is_exact();

}  // namespace wt
