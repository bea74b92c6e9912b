// The GEMM driver shared by linear, matmul and convolution: C[m, n] = epilogue(A[m, k] x B[k, n]).
// A is read in place (weights, activations); B comes from a source that packs cache blocks of it
// (a dense matrix, or the implicit im2col matrix of a convolution, which is never materialized).
#pragma once

#include <cstddef>

#include "kernels/activation.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_gemm_pack.h"
#include "kernels/f32_vunary.h"
#include "kernels/kernel_table.h"
#include "threading/thread_pool.h"

namespace wt {

inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

class GemmBSource {
 public:
  virtual ~GemmBSource() = default;
  virtual void pack(const F32PackBlock& block, float* panels) const = 0;
  // Where B can be read unpacked `cols` columns from n0 (rows at stride *ldb), or nullptr: saves
  // the packing when A has too few rows to amortize it (batch-1 linear layers).
  virtual const float* unpacked(size_t /*k0*/, size_t /*n0*/, size_t /*cols*/, size_t* /*ldb*/) const {
    return nullptr;
  }
  // Whether B's 8-column panels can be read in place: panel() gives the panel of the 8 columns from
  // n0 (a multiple of 8), from row k0.
  virtual bool panels_in_place() const { return false; }
  virtual const float* panel(size_t /*k0*/, size_t /*n0*/) const { return nullptr; }
  // Columns of the groups B is stored in (8 or 32), each row after row, so also the floats from one
  // row of a panel to the next; tasks start at a multiple of it.
  virtual size_t panel_width() const { return kGemmNr; }
  // Floats from one 8-column panel to the next within a group of panel_width() columns, or, when
  // the panels are 8 wide, across all of them.
  virtual size_t panel_stride() const { return 0; }
  // Whether B already is in the microkernels' packed layout: panels 8 wide, rows 8 floats apart,
  // all panel_stride() apart, so the strip kernels take any number of them in one call.
  bool in_panels() const { return panels_in_place() && panel_width() == kGemmNr; }
};

class DenseB final : public GemmBSource {
 public:
  DenseB(const float* b, size_t stride_n, size_t stride_k, size_t n)
      : b_(b), stride_n_(stride_n), stride_k_(stride_k), n_(n) {}
  void pack(const F32PackBlock& block, float* panels) const override;
  const float* unpacked(size_t k0, size_t n0, size_t cols, size_t* ldb) const override;

 private:
  const float* b_;
  size_t stride_n_, stride_k_, n_;
};

// B stored as the exporter packs weights: ceil(n / width) panels of k x width floats, each holding
// `width` columns row after row, columns past n zero. Width 8 is the microkernels' own layout (all
// GEMMs); width 32 (batch-1 linear layers) makes a single row's four 8-column panels one stream.
// Read in place by rows too few to pack for; rows that pack copy 8-column panels out of it.
class PanelB final : public GemmBSource {
 public:
  static constexpr size_t kQuadWidth = contract::kStreamPanelWidth;  // "panels32"
  static_assert(kQuadWidth == 4 * kGemmNr, "f32_gemm_1x32 reads four panels side by side");
  PanelB(const float* panels, size_t k, size_t width = kGemmNr) : panels_(panels), k_(k), width_(width) {}
  void pack(const F32PackBlock& block, float* panels) const override;
  bool panels_in_place() const override { return true; }
  const float* panel(size_t k0, size_t n0) const override {
    return panels_ + (n0 / width_ * k_ + k0) * width_ + n0 % width_;
  }
  size_t panel_width() const override { return width_; }
  size_t panel_stride() const override { return width_ == kGemmNr ? k_ * kGemmNr : kGemmNr; }

 private:
  const float* panels_;
  size_t k_, width_;
};

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
// thread's scratch, which a B read in place (in_panels) leaves free.
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

struct GemmProblem {
  size_t m, n, k;
  const float* a;  // rows lda apart; unused with a_source
  size_t lda;
  float* c;
  size_t ldc;
  const float* row_bias = nullptr;  // [m]; may be null
  const float* col_bias = nullptr;  // [n]; may be null
  F32MinMax minmax;
  F32UnaryFn activation = nullptr;  // applied in place to each finished block of C (fused silu, gelu...)
  bool accumulate = false;          // C += A x B (then the epilogue) instead of C = A x B
  // gemm_shared_pack_bytes() of scratch, or null: when B has a few column blocks (small n) and
  // the rows are split over threads, B is packed once here for all of them instead of once per task.
  float* shared_pack = nullptr;
  // Where A's rows come from when they are not at `a`; B must then be in panels.
  const GemmASource* a_source = nullptr;
  // gemm_shared_a_bytes() of scratch, or null: when A has few rows (7x7 convolutions), a_source
  // packs all of A here once and the tasks split only the columns.
  float* shared_a = nullptr;
  // The microkernels: the model's (PrepareContext::kernel_table), which ops keep from prepare.
  const KernelTable* kernel_table = &default_kernels();
};

size_t gemm_shared_pack_bytes(size_t n, size_t k);
size_t gemm_shared_a_bytes(size_t m, size_t k);

// How a strip of `rows` rows is cut into tiles: `main` tiles of the build's main height, then
// `quads` 4-row tiles, then single rows. With 5-row main tiles every count from 12 up is made of
// 5s and 4s (128 = 24 x 5 + 2 x 4, not 25 x 5 + 3 single rows at a third of the speed).
struct GemmRowTiles {
  size_t main, quads, singles;
};
GemmRowTiles gemm_row_tiles(size_t rows, size_t main_rows);

// Splits the GEMM into (row range, column block) tasks over the pool.
void run_gemm(const GemmProblem& p, const GemmBSource& b, ThreadPool& pool);
// The whole GEMM on the calling thread (inside a task that already runs in parallel). It packs into
// the thread's scratch only when B is not in panels or A comes from an a_source.
void run_gemm_on_this_thread(const GemmProblem& p, const GemmBSource& b, ThreadPool& pool);

}  // namespace wt
