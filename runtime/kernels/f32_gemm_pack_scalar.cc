#include <algorithm>
#include <cstring>

#include "core/memory.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_gemm_pack.h"

namespace wt {
namespace {

// Where column j (0-based within the block) of packed row kk goes.
inline size_t panel_index(size_t kk, size_t j, size_t kc) {
  return (j / kGemmNr) * kc * kGemmNr + kk * kGemmNr + j % kGemmNr;
}

// Zeroes the columns of the last panel past nc, so full tiles can run over it.
void zero_panel_tail(const F32PackBlock& blk, float* panels) {
  const size_t tail = blk.nc % kGemmNr;
  if (tail == 0) return;
  float* last = panels + (blk.nc / kGemmNr) * blk.kc * kGemmNr;
  for (size_t kk = 0; kk < blk.kc; ++kk) std::fill(last + kk * kGemmNr + tail, last + (kk + 1) * kGemmNr, 0.f);
}

}  // namespace

void f32_pack_b_dense(const float* b, size_t stride_n, size_t stride_k, const F32PackBlock& blk, float* panels) {
  for (size_t kk = 0; kk < blk.kc; ++kk) {
    const float* row = b + (blk.k0 + kk) * stride_k + blk.n0 * stride_n;
    size_t j = 0;
    if (stride_n == 1) {
      for (; j + kGemmNr <= blk.nc; j += kGemmNr)
        std::memcpy(panels + panel_index(kk, j, blk.kc), row + j, sizeof(float) * kGemmNr);
    }
    for (; j < blk.nc; ++j) panels[panel_index(kk, j, blk.kc)] = row[j * stride_n];
  }
  zero_panel_tail(blk, panels);
}

namespace {

// One im2col row segment: columns [j, j + cols) of packed row kk, element by element with bounds
// checks (window in padding, segment crossing output rows).
void pack_im2col_checked(const Conv2dGeometry& g, const float* plane, size_t ky, size_t kx, const F32PackBlock& blk,
                         size_t kk, size_t j, size_t cols, float* panels) {
  size_t oy = (blk.n0 + j) / g.out_w, ox = (blk.n0 + j) % g.out_w;
  for (size_t t = 0; t < cols; ++t) {
    const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;  // wraps when in padding
    const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
    panels[panel_index(kk, j + t, blk.kc)] = (iy < g.in_h && ix < g.in_w) ? plane[iy * g.in_w + ix] : 0.f;
    if (++ox == g.out_w) {
      ox = 0;
      ++oy;
    }
  }
}

}  // namespace

void f32_pack_b_im2col_nchw(const Conv2dGeometry& g, const float* input, const F32PackBlock& blk, float* panels) {
  const size_t area = g.kernel_h * g.kernel_w;
  for (size_t kk = 0; kk < blk.kc; ++kk) {
    const size_t row = blk.k0 + kk;
    const size_t c = row / area, ky = (row % area) / g.kernel_w, kx = row % g.kernel_w;
    const float* plane = input + c * g.in_h * g.in_w;
    for (size_t j = 0; j < blk.nc; j += kGemmNr) {
      const size_t cols = std::min(kGemmNr, blk.nc - j);
      // Fast path: 8 columns of one output row whose whole window row lies inside the input.
      const size_t oy = (blk.n0 + j) / g.out_w, ox = (blk.n0 + j) % g.out_w;
      const size_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;
      const size_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
      const bool inside = cols == kGemmNr && ox + kGemmNr <= g.out_w && iy < g.in_h && ix < g.in_w &&
                          ix + (kGemmNr - 1) * g.stride_w < g.in_w;
      if (!inside) {
        pack_im2col_checked(g, plane, ky, kx, blk, kk, j, cols, panels);
        continue;
      }
      const float* src = plane + iy * g.in_w + ix;
      float* dst = panels + panel_index(kk, j, blk.kc);
      if (g.stride_w == 1) {
        std::memcpy(dst, src, sizeof(float) * kGemmNr);
      } else {
        for (size_t t = 0; t < kGemmNr; ++t) dst[t] = src[t * g.stride_w];
      }
    }
  }
  zero_panel_tail(blk, panels);
}

// im2col's runs are short (a 3-channel stem's kernel row is 9 floats): copied with copy_short
// (core/memory.h), not a memcpy call. Stems in Chromium at 1 thread (per-op profile): MobileNetV2's
// 0.85 -> 0.74 ms, ResNet-18's 5.6 -> 4.9, EfficientNet-B0's 1.24 -> 1.13, ShuffleNetV2's 0.70 -> 0.66.
void f32_pack_a_im2col_nhwc(const Conv2dGeometry& g, const float* input, size_t r0, size_t r1, size_t k0, size_t kc,
                            float* block) {
  const size_t cin = g.in_channels / g.groups, k1 = k0 + kc;
  // The taps of one kernel row are one run of memory when they hold every channel of their pixels.
  const bool taps_adjacent = g.dilation_w == 1 && cin == g.in_channels;
  // Positions are divided out once and then stepped: four divisions per tap per row cost grouped
  // convolutions (8 channels a tap) five times their multiply-adds (RegNetY-400MF: 8 GFLOP/s).
  const size_t first_tap = k0 / cin, first_c = k0 % cin;
  const size_t first_ky = first_tap / g.kernel_w, first_kx = first_tap % g.kernel_w;
  size_t oy = r0 / g.out_w, ox = r0 % g.out_w;
  for (size_t r = r0; r < r1; ++r, block += kc) {
    const size_t y0 = oy * g.stride_h - g.pad_top, x0 = ox * g.stride_w - g.pad_left;  // wrap in padding
    size_t ky = first_ky, kx = first_kx, c = first_c;
    for (size_t k = k0; k < k1;) {
      const size_t iy = y0 + ky * g.dilation_h, ix = x0 + kx * g.dilation_w;
      float* dst = block + (k - k0);
      size_t taps = 1;
      if (iy >= g.in_h || ix >= g.in_w) {
        const size_t n = std::min(cin - c, k1 - k);
        std::fill(dst, dst + n, 0.f);
        k += n;
      } else {
        while (taps_adjacent && kx + taps < g.kernel_w && ix + taps < g.in_w) ++taps;
        const size_t n = std::min(taps * cin - c, k1 - k);
        copy_short(dst, input + (iy * g.in_w + ix) * g.in_channels + c, n * sizeof(float));
        k += n;
      }
      // The next tap (when k has not reached k1, these taps were copied whole).
      c = 0;
      kx += taps;
      if (kx == g.kernel_w) {
        kx = 0;
        ++ky;
      }
    }
    if (++ox == g.out_w) {
      ox = 0;
      ++oy;
    }
  }
}

}  // namespace wt
