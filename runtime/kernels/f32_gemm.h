// f32 GEMM microkernels: one register tile of C[m, n] += A[m, k] x B[k, n], with B rows 8
// floats wide at stride ldb (8 for panels packed by f32_gemm_pack.h, the row stride of a dense
// [K, N] matrix otherwise). The driver (gemm/gemm_driver.h) splits a whole GEMM into cache blocks over
// k and n and calls these on every tile.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/contract.h"
#include "kernels/activation.h"
#include "kernels/f16_convert.h"

namespace wt {

// What a tile does with its sums. A GEMM blocked over k writes partial sums first
// (accumulate = false), adds later blocks to them (accumulate = true), and applies the epilogue
// (row/column bias, then the clamp of a fused relu/relu6/clamp) on the last block only.
struct F32GemmOutput {
  bool accumulate = false;
  bool finish = true;
  const float* row_bias = nullptr;  // per row of the tile (NCHW convolution bias); may be null
  const float* col_bias = nullptr;  // 8 per column of the tile (linear bias); may be null
  F32MinMax minmax;
};

// One output through the epilogue: sum (+ the previous value when accumulating), then on the last
// k block row bias[row], column bias[col] and the clamp. The scalar kernels' store.
inline float gemm_finish_value(float sum, float previous, size_t row, size_t col, const F32GemmOutput& out) {
  if (out.accumulate) sum += previous;
  if (!out.finish) return sum;
  if (out.row_bias) sum += out.row_bias[row];
  if (out.col_bias) sum += out.col_bias[col];
  return clamp_minmax(sum, out.minmax);
}

// The tile shape: 4 rows x 8 columns. 8 accumulators, 2 B vectors and 1 broadcast A value fit the
// 15 xmm registers V8 allocates on x64; 6x8 spills there (measured: its inner loop reloads
// accumulators from the stack). The relaxed-SIMD
// builds use 5 rows (fused multiply-adds need no product temporaries).
constexpr size_t kGemmMr = 4;
constexpr size_t kGemmMaxMr = 5;
constexpr size_t kGemmNr = contract::kGemmPanelWidth;  // the exporter packs "panels8" weights to it

// A full 4x8 tile: rows a + i * lda, columns c + i * ldc.
void f32_gemm_4x8_scalar(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                         const F32GemmOutput& out);
void f32_gemm_4x8_simd128(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                          const F32GemmOutput& out);
void f32_gemm_5x8_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                              const F32GemmOutput& out);
// With relaxed SIMD's fused multiply-add (one instruction per update instead of two).
void f32_gemm_4x8_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                              const F32GemmOutput& out);

// The same tiles across `panels` consecutive packed panels in one call (panel q at
// b + q * panel_stride, rows 8 floats apart; C columns from c + 8q; col_bias advances 8 per panel),
// as XNNPACK's microkernels loop over n: a call per tile cost a third of a k = 16 convolution.
void f32_gemm_4x8_panels_scalar(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                size_t panels, float* c, size_t ldc, const F32GemmOutput& out);
void f32_gemm_4x8_panels_simd128(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                 size_t panels, float* c, size_t ldc, const F32GemmOutput& out);
void f32_gemm_4x8_panels_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                     size_t panels, float* c, size_t ldc, const F32GemmOutput& out);
void f32_gemm_5x8_panels_relaxedsimd(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                     size_t panels, float* c, size_t ldc, const F32GemmOutput& out);

// Indirect tiles (XNNPACK's igemm): C[rows, 8 x panels] = epilogue(sum over taps t < taps and p < kc of
// A_t[r][p] x B[t * kc + p]), where a[t * kGemmMr + r] points at row r's kc values for tap t: a pixel of
// the image read in place, or a zero vector for a tap in padding. rows <= 4; rows past `rows` are not
// stored (their pointers must still be readable). Grouped NHWC convolutions run on it: packing their
// im2col rows (8 channels a tap) cost more than the multiply-adds.
void f32_igemm_4x8_panels_scalar(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                 size_t panel_stride, size_t panels, float* c, size_t ldc, const F32GemmOutput& out);
void f32_igemm_4x8_panels_simd128(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                  size_t panel_stride, size_t panels, float* c, size_t ldc, const F32GemmOutput& out);
void f32_igemm_4x8_panels_relaxedsimd(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                      size_t panel_stride, size_t panels, float* c, size_t ldc,
                                      const F32GemmOutput& out);
using F32IgemmPanelsFn = void (*)(size_t, size_t, size_t, const float* const*, const float*, size_t, size_t, float*,
                                  size_t, const F32GemmOutput&);

// The indirect tile over two groups of 4 output channels side by side (ResNeXt's first stage: 4
// channels a group), where the 8-column tile would compute a group's 4 on a copy with 4 columns of
// padding: columns 0-3 are group 0's, from each row's kc values and lanes 0-3 of the panel at b;
// columns 4-7 group 1's, from the kc values after those (its input channels follow in NHWC) and
// lanes 0-3 of the panel at b + panel_stride. a, rows and the epilogue as f32_igemm_4x8_panels.
void f32_igemm_4x8_group_pairs_scalar(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                      size_t panel_stride, float* c, size_t ldc, const F32GemmOutput& out);
void f32_igemm_4x8_group_pairs_simd128(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                       size_t panel_stride, float* c, size_t ldc, const F32GemmOutput& out);
void f32_igemm_4x8_group_pairs_relaxedsimd(size_t rows, size_t taps, size_t kc, const float* const* a,
                                           const float* b, size_t panel_stride, float* c, size_t ldc,
                                           const F32GemmOutput& out);
using F32IgemmGroupPairsFn = void (*)(size_t, size_t, size_t, const float* const*, const float*, size_t, float*, size_t,
                                      const F32GemmOutput&);

// Runs tile(b, c, out) on each of `panels` panels: the loop the *_panels kernels share.
template <typename Tile>
inline void for_each_panel(const float* b, size_t panel_stride, size_t panels, float* c, const F32GemmOutput& out,
                           Tile tile) {
  F32GemmOutput panel_out = out;
  for (size_t q = 0; q < panels; ++q, b += panel_stride, c += kGemmNr) {
    tile(b, c, panel_out);
    if (panel_out.col_bias) panel_out.col_bias += kGemmNr;
  }
}

// One column of C for `rows` rows as dot products of A's rows with a contiguous column b[0:k]
// (c at stride ldc; col_bias, if any, is that column's bias). The last 1-4 columns of a 7x7
// output (n = 49) take this instead of an 8-column tile that would be mostly padding.
void f32_gemm_dot_scalar(size_t rows, size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                         const F32GemmOutput& out);
void f32_gemm_dot_simd128(size_t rows, size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                          const F32GemmOutput& out);
using F32GemmDotFn = void (*)(size_t, size_t, const float*, size_t, const float*, float*, size_t, const F32GemmOutput&);

// A single row (row tails, and batch-1 linear layers whose B is read unpacked).
void f32_gemm_1x8_scalar(size_t k, const float* a, const float* b, size_t ldb, float* c, const F32GemmOutput& out);
void f32_gemm_1x8_simd128(size_t k, const float* a, const float* b, size_t ldb, float* c, const F32GemmOutput& out);

// A single row over four 8-column panels at once (panel q at b + q * panel_stride, rows ldb apart),
// C's 32 columns contiguous: batch-1 linear layers stream their weights through here. Exported
// weights of batch-1 linears are 32 columns wide (panel_stride 8, ldb 32), so the four panels are
// one stream: 1.04-1.13x the bandwidth of four streams in Chromium, 1.2x in Node.
void f32_gemm_1x32_scalar(size_t k, const float* a, const float* b, size_t panel_stride, size_t ldb, float* c,
                          const F32GemmOutput& out);
void f32_gemm_1x32_simd128(size_t k, const float* a, const float* b, size_t panel_stride, size_t ldb, float* c,
                           const F32GemmOutput& out);

// f32_gemm_1x32 over half-precision weights (quantize_for_wasm "fp16"): 32-wide panels of IEEE
// binary16, rows 32 halves apart, read once and converted in registers, so a batch-1 linear layer
// streams half the bytes. SIMD128 has no half conversion, but a finite half h, its sign moved to bit
// 31 and its exponent and mantissa to bits 27..13, is the float h * 2^-112 bit for bit (subnormals
// included): per 4 halves in the upper 16 bits of 32-bit lanes, an arithmetic shift and an and. The 2^-112 is paid by A:
// a_scaled holds A times kHalfRebias (|A| < 2^16 keeps it finite; larger rows come scaled by
// kHalfRebias / out_scale, a power of two), and the sums are multiplied by out_scale before the
// epilogue. Halves with exponent 31 (inf, NaN) are not weights: the model rejects them; subnormal
// halves become float subnormals, exact but multiplied through a microcode assist on x86 (15x
// slower): the model expands weights that hold any (compiled_model.h).
void f32_f16w_gemm_1x32_scalar(size_t k, const float* a_scaled, const uint16_t* b, float out_scale, float* c,
                               const F32GemmOutput& out);
void f32_f16w_gemm_1x32_simd128(size_t k, const float* a_scaled, const uint16_t* b, float out_scale, float* c,
                                const F32GemmOutput& out);
using F32F16wGemm1x32Fn = void (*)(size_t, const float*, const uint16_t*, float, float*, const F32GemmOutput&);

// A whole GEMV row over B read row by row: y[0:n] = epilogue(sum_k a[k] * b[k, 0:n]), y used as
// the accumulator (it stays in L1) and four B rows streamed at a time. Batch-1 linear layers: each
// weight row is read front to back, which hardware prefetchers follow (column strips jump a page
// per row). `out` gives the epilogue (finish only; col_bias indexed from y[0]).
void f32_gemv_4x1_scalar(size_t k, size_t n, const float* a, const float* b, size_t ldb, float* y,
                         const F32GemmOutput& out);
void f32_gemv_4x1_simd128(size_t k, size_t n, const float* a, const float* b, size_t ldb, float* y,
                          const F32GemmOutput& out);
using F32GemvFn = void (*)(size_t, size_t, const float*, const float*, size_t, float*, const F32GemmOutput&);

// Kernel signatures (the kernel table, kernels/kernel_table.h, says which one runs).
using F32Gemm4x8Fn = void (*)(size_t, const float*, size_t, const float*, size_t, float*, size_t,
                              const F32GemmOutput&);
using F32Gemm1x8Fn = void (*)(size_t, const float*, const float*, size_t, float*, const F32GemmOutput&);
using F32GemmPanelsFn = void (*)(size_t, const float*, size_t, const float*, size_t, size_t, float*, size_t,
                                 const F32GemmOutput&);
// A build's main tile: `rows` x 8 with the 4x8 contract (5x8 relaxed SIMD, else the 4x8 above).
struct F32GemmTile {
  size_t rows;
  F32Gemm4x8Fn fn;
  F32GemmPanelsFn panels_fn;
};
using F32Gemm1x32Fn = void (*)(size_t, const float*, const float*, size_t, size_t, float*, const F32GemmOutput&);

}  // namespace wt
