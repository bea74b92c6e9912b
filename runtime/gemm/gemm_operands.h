// Where the GEMM driver reads its operands from. B (k x n) is read in place when it is stored in a
// way the microkernels can take (dense rows with unit column stride, or the exporter's panels) and
// packed block by block otherwise (an implicit im2col matrix, a transposed weight); A's rows come
// from memory or, for an NHWC convolution, from an implicit im2col matrix packed a block at a time.
#pragma once

#include <cstddef>

#include "core/contract.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_gemm_pack.h"

namespace wt {

// How B is stored: what the plan (gemm_plan.h) decides by.
enum class GemmBStorage {
  kPackedOnly,  // must be packed to be read: an implicit im2col matrix, a [N, K] weight
  kRows,        // dense rows, unit column stride: readable in place, ld() floats apart
  kPanels,      // the exporter's panels: ceil(n / ld()) groups of k x ld() floats, row after row
};

class GemmBSource {
 public:
  virtual ~GemmBSource() = default;
  // B[k0:k0+kc, n0:n0+nc] into ceil(nc/8) panels of kc x 8 floats (f32_gemm_pack.h).
  virtual void pack(const F32PackBlock& block, float* panels) const = 0;
  // kRows and kPanels: B from row k0 and column n0 (a multiple of 8) in place, rows ld() apart; a
  // partial last panel of kPanels is zero-padded, so 8 columns can always be read.
  virtual const float* at(size_t /*k0*/, size_t /*n0*/) const { return nullptr; }
  virtual size_t ld() const { return kGemmNr; }
  // kPanels: floats from one 8-column panel to the next (within a 32-wide group: 8).
  virtual size_t panel_stride() const { return 0; }
};

// B[k][n] at b[n * stride_n + k * stride_k]: kRows when stride_n is 1, else kPackedOnly.
class DenseB final : public GemmBSource {
 public:
  DenseB(const float* b, size_t stride_n, size_t stride_k) : b_(b), stride_n_(stride_n), stride_k_(stride_k) {}
  static GemmBStorage storage(size_t stride_n) { return stride_n == 1 ? GemmBStorage::kRows : GemmBStorage::kPackedOnly; }
  void pack(const F32PackBlock& block, float* panels) const override {
    f32_pack_b_dense(b_, stride_n_, stride_k_, block, panels);
  }
  const float* at(size_t k0, size_t n0) const override {
    return stride_n_ == 1 ? b_ + k0 * stride_k_ + n0 : nullptr;
  }
  size_t ld() const override { return stride_k_; }

 private:
  const float* b_;
  size_t stride_n_, stride_k_;
};

// B stored as the exporter packs weights: ceil(n / width) panels of k x width floats, each holding
// `width` columns row after row, columns past n zero. Width 8 is the microkernels' own layout (all
// GEMMs); width 32 (batch-1 linear layers) makes a single row's four 8-column panels one stream.
class PanelB final : public GemmBSource {
 public:
  static constexpr size_t kQuadWidth = contract::kStreamPanelWidth;  // "panels32"
  static_assert(kQuadWidth == 4 * kGemmNr, "f32_gemm_1x32 reads four panels side by side");
  PanelB(const float* panels, size_t k, size_t width = kGemmNr) : panels_(panels), k_(k), width_(width) {}
  void pack(const F32PackBlock& block, float* panels) const override;
  const float* at(size_t k0, size_t n0) const override {
    return panels_ + (n0 / width_ * k_ + k0) * width_ + n0 % width_;
  }
  size_t ld() const override { return width_; }
  size_t panel_stride() const override { return width_ == kGemmNr ? k_ * kGemmNr : kGemmNr; }

 private:
  const float* panels_;
  size_t k_, width_;
};

// The implicit im2col matrix of one image and group of an NCHW convolution (kPackedOnly).
class Im2colB final : public GemmBSource {
 public:
  Im2colB(const Conv2dGeometry& g, const float* input) : g_(g), input_(input) {}
  void pack(const F32PackBlock& block, float* panels) const override {
    f32_pack_b_im2col_nchw(g_, input_, block, panels);
  }

 private:
  const Conv2dGeometry& g_;
  const float* input_;
};

// A's rows when A is not a matrix in memory: the implicit im2col matrix of an NHWC convolution
// (row = output pixel, k = (ky, kx, channel)). The driver packs one block at a time into the
// thread's scratch, which a B in 8-wide panels (read in place) leaves free.
class GemmASource {
 public:
  virtual ~GemmASource() = default;
  // Rows [r0, r1) x columns [k0, k0 + kc) of A into `block`, row after row (kc floats apart).
  virtual void pack(size_t r0, size_t r1, size_t k0, size_t kc, float* block) const = 0;
};

class Im2colNhwcA final : public GemmASource {
 public:
  // `input`: the group's first channel of the image's first pixel.
  Im2colNhwcA(const Conv2dGeometry& g, const float* input) : g_(g), input_(input) {}
  void pack(size_t r0, size_t r1, size_t k0, size_t kc, float* block) const override {
    f32_pack_a_im2col_nhwc(g_, input_, r0, r1, k0, kc, block);
  }

 private:
  const Conv2dGeometry& g_;
  const float* input_;
};

}  // namespace wt
