// Packing of GEMM B operands into the panels the microkernels read: the block B[k0:k0+kc,
// n0:n0+nc] becomes ceil(nc/8) panels of kc x 8 floats, k-major, columns past nc zero. A packed
// block is read once per 4 rows of A from L1/L2 instead of once per row tile from memory.
#pragma once

#include <cstddef>

#include "kernels/f32_conv2d.h"

namespace wt {

struct F32PackBlock {
  size_t k0, kc, n0, nc;
};

// A dense B whose element (k, n) is at b[n * stride_n + k * stride_k].
void f32_pack_b_dense(const float* b, size_t stride_n, size_t stride_k, const F32PackBlock& block, float* panels);

// The implicit im2col matrix of one image and group of an NCHW convolution: row k = (c, ky, kx),
// column n = (oy, ox); `input` points at the group's first input channel. No im2col buffer exists.
void f32_pack_b_im2col_nchw(const Conv2dGeometry& g, const float* input, const F32PackBlock& block, float* panels);

// Rows [r0, r1) x columns [k0, k0 + kc) of the implicit im2col matrix of one image and group of an
// NHWC convolution into `block` (kc floats a row): row = output pixel (oy, ox), column k = (ky, kx,
// c) over the group's channels, so each tap is a run of channels copied whole (and a row of taps
// one run, when the group has every channel and dilation is 1). `input` points at the group's
// first channel of the image's first pixel; pixels are g.in_channels floats apart.
void f32_pack_a_im2col_nhwc(const Conv2dGeometry& g, const float* input, size_t r0, size_t r1, size_t k0, size_t kc,
                            float* block);

}  // namespace wt
