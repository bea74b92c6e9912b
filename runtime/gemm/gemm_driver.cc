#include "gemm/gemm_driver.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace wt {
namespace {

// A last panel with at most this many columns (7x7 outputs, 1x1 squeeze-excitation convolutions)
// runs as dot products (f32_gemm_dot): a tile computes all 8, a dot product about a sixth of
// that per column.
constexpr size_t kDotMaxCols = 4;

// The rows of A a TileRunner reads: `a` is A[row0][k0] with rows lda apart, in place or packed.
struct ARows {
  const float* a;
  size_t lda, row0;
  const float* at(size_t row) const { return a + (row - row0) * lda; }
};

// The weights a task's next k block reads (its own, or the next task's first), touched a slice
// after each row tile of the current block: a load a cache line, so they are on their way to L2
// while this block computes, instead of stalling its successor's first tile. Wasm has no prefetch
// instruction; the loads' sum is stored so they are not optimized away (a relaxed atomic store: the
// pool's threads all write it, and nothing reads it).
class ReadAhead {
 public:
  ReadAhead() = default;
  // `panels` panel slices of `slice_bytes`, the first at `first`, `stride_bytes` apart, spread over
  // `tiles` steps.
  ReadAhead(const float* first, size_t panels, size_t slice_bytes, size_t stride_bytes, size_t tiles)
      : first_(reinterpret_cast<const unsigned char*>(first)),
        panels_(panels),
        slice_(slice_bytes),
        stride_(stride_bytes),
        bytes_per_step_(round_up(ceil_div(panels * slice_bytes, std::max<size_t>(tiles, 1)), kLine)) {}

  void step() {
    if (panel_ == panels_) return;
    unsigned sum = 0;
    for (size_t budget = bytes_per_step_; budget > 0 && panel_ < panels_;) {
      const size_t take = std::min(budget, slice_ - offset_);
      const unsigned char* from = first_ + panel_ * stride_ + offset_;
      for (size_t b = 0; b < take; b += kLine) sum += from[b];
      budget -= take;
      offset_ += take;
      if (offset_ == slice_) {
        offset_ = 0;
        ++panel_;
      }
    }
    sink_.store(sum, std::memory_order_relaxed);
  }

 private:
  static constexpr size_t kLine = 64;
  static inline std::atomic<unsigned> sink_{0};
  const unsigned char* first_ = nullptr;
  size_t panels_ = 0, slice_ = 0, stride_ = 0, bytes_per_step_ = 0;
  size_t panel_ = 0, offset_ = 0;
};

class TileRunner {
 public:
  TileRunner(const GemmArgs& p, const F32GemmOutput& out, ARows a)
      : p_(p),
        out_(out),
        a_(a),
        main_(p.kernels->gemm_tile),
        gemm_4x8_(p.kernels->gemm_4x8),
        gemm_4x8_panels_(p.kernels->gemm_4x8_panels),
        gemm_1x8_(p.kernels->gemm_1x8),
        gemm_1x32_(p.kernels->gemm_1x32),
        dot_(p.kernels->gemm_dot) {}

  // Rows [row_begin, row_end) x 8 columns from col (`cols` of them valid) over B rows at ldb.
  void run_column_strip(size_t row_begin, size_t row_end, size_t kc, const float* b, size_t ldb, size_t col,
                        size_t cols) const {
    const GemmRowTiles split = gemm_row_tiles(row_end - row_begin, main_.rows);
    size_t i = row_begin;
    for (size_t t = 0; t < split.main; ++t, i += main_.rows) tile(main_.rows, i, kc, b, ldb, col, cols);
    for (size_t t = 0; t < split.quads; ++t, i += kGemmMr) tile(kGemmMr, i, kc, b, ldb, col, cols);
    for (; i < row_end; ++i) tile(1, i, kc, b, ldb, col, cols);
  }

  // Rows [row_begin, row_end) over `panels` full panels at a uniform stride (first at col): each
  // tile of rows takes all of them in one call.
  void run_panel_strip(size_t row_begin, size_t row_end, size_t kc, const float* first, size_t stride, size_t panels,
                       size_t col, ReadAhead& ahead) const {
    const GemmRowTiles split = gemm_row_tiles(row_end - row_begin, main_.rows);
    size_t i = row_begin;
    for (size_t t = 0; t < split.main; ++t, i += main_.rows) {
      panel_tiles(main_.panels_fn, i, kc, first, stride, panels, col);
      ahead.step();
    }
    for (size_t t = 0; t < split.quads; ++t, i += kGemmMr)
      panel_tiles(gemm_4x8_panels_, i, kc, first, stride, panels, col);
    for (; i < row_end; ++i) {
      for (size_t q = 0; q < panels; ++q) tile(1, i, kc, first + q * stride, kGemmNr, col + q * kGemmNr, kGemmNr);
    }
  }

  // Rows [row_begin, row_end) over four full panels in place (panel q at first + q * stride, rows
  // ldb apart, the 32 columns from col): single rows take all four at once, so one broadcast of A
  // feeds 8 updates.
  void run_panel_quad(size_t row_begin, size_t row_end, size_t kc, const float* first, size_t stride, size_t ldb,
                      size_t col) const {
    const GemmRowTiles split = gemm_row_tiles(row_end - row_begin, main_.rows);
    const size_t singles_begin = row_end - split.singles;
    for (size_t q = 0; q < 4; ++q) {
      run_column_strip(row_begin, singles_begin, kc, first + q * stride, ldb, col + q * kGemmNr, kGemmNr);
    }
    for (size_t i = singles_begin; i < row_end; ++i) {
      gemm_1x32_(kc, a_.at(i), first, stride, ldb, p_.c + i * p_.ldc + col, output_at(i, col));
    }
  }

  // The first `cols` columns of a panel (from col) for rows [row_begin, row_end), one dot product
  // per output over each column copied out contiguously (kc <= kGemmKc: k blocks, never streaming).
  void run_dot_columns(size_t row_begin, size_t row_end, size_t kc, const float* panel, size_t col, size_t cols) const {
    float column[kGemmKc];
    for (size_t q = 0; q < cols; ++q) {
      for (size_t p = 0; p < kc; ++p) column[p] = panel[p * kGemmNr + q];
      dot_(row_end - row_begin, kc, a_.at(row_begin), a_.lda, column, p_.c + row_begin * p_.ldc + col + q, p_.ldc,
           output_at(row_begin, col + q));
    }
  }

 private:
  // The epilogue of a tile whose first output is C[row, col]: the biases from there.
  F32GemmOutput output_at(size_t row, size_t col) const {
    F32GemmOutput out = out_;
    out.row_bias = p_.row_bias ? p_.row_bias + row : nullptr;
    out.col_bias = p_.col_bias ? p_.col_bias + col : nullptr;
    return out;
  }

  void panel_tiles(F32GemmPanelsFn fn, size_t i, size_t kc, const float* first, size_t stride, size_t panels,
                   size_t col) const {
    fn(kc, a_.at(i), a_.lda, first, stride, panels, p_.c + i * p_.ldc + col, p_.ldc, output_at(i, col));
  }

  void tile(size_t rows, size_t i, size_t kc, const float* b, size_t ldb, size_t col, size_t cols) const {
    F32GemmOutput out = output_at(i, col);
    const float* a = a_.at(i);
    float* c = p_.c + i * p_.ldc + col;
    if (cols == kGemmNr) {
      call(rows, kc, a, b, ldb, c, p_.ldc, out);
      return;
    }
    // A partial tile runs full width on a copy, so no kernel reads or writes past the matrix.
    float tile_c[kGemmMaxMr * kGemmNr] = {}, tile_bias[kGemmNr] = {};
    for (size_t r = 0; r < rows; ++r) std::memcpy(tile_c + r * kGemmNr, c + r * p_.ldc, cols * sizeof(float));
    if (out.col_bias) {
      std::memcpy(tile_bias, out.col_bias, cols * sizeof(float));
      out.col_bias = tile_bias;
    }
    call(rows, kc, a, b, ldb, tile_c, kGemmNr, out);
    for (size_t r = 0; r < rows; ++r) std::memcpy(c + r * p_.ldc, tile_c + r * kGemmNr, cols * sizeof(float));
  }

  void call(size_t rows, size_t kc, const float* a, const float* b, size_t ldb, float* c, size_t ldc,
            const F32GemmOutput& out) const {
    if (rows == main_.rows) {
      main_.fn(kc, a, a_.lda, b, ldb, c, ldc, out);
    } else if (rows == kGemmMr) {
      gemm_4x8_(kc, a, a_.lda, b, ldb, c, ldc, out);
    } else {
      gemm_1x8_(kc, a, b, ldb, c, out);
    }
  }

  const GemmArgs& p_;
  F32GemmOutput out_;
  ARows a_;
  F32GemmTile main_;
  F32Gemm4x8Fn gemm_4x8_;
  F32GemmPanelsFn gemm_4x8_panels_;
  F32Gemm1x8Fn gemm_1x8_;
  F32Gemm1x32Fn gemm_1x32_;
  F32GemmDotFn dot_;
};

// B packed once for all tasks: column block n0 (nc columns) holds its k blocks one after another
// from n0 * k on (every block but the last is kGemmNc wide, a multiple of 8).
size_t shared_block_offset(size_t k, size_t n0, size_t nc, size_t k0) { return n0 * k + k0 * round_up(nc, kGemmNr); }

// Rows of A packed into the thread scratch at a time (k blocks of kc): up to kGemmMc.
size_t a_block_rows(size_t kc) {
  return std::min(kGemmMc, kGemmThreadScratchBytes / sizeof(float) / std::max<size_t>(kc, 1));
}

// What k block `kb` of task t reads ahead (plan.read_ahead): the next block's panel slices.
ReadAhead read_ahead(const GemmPlan& plan, const GemmArgs& p, const GemmBSource& b, const GemmTask& t,
                     const GemmTask* next, size_t kb, size_t k_step) {
  const bool own = kb + 1 < plan.k_blocks;
  if (!plan.read_ahead || t.b != GemmBAccess::kPanels || (!own && (!next || next->b != GemmBAccess::kPanels))) return {};
  const size_t k0 = own ? (kb + 1) * k_step : 0, n0 = own ? t.n0 : next->n0, nc = own ? t.nc : next->nc;
  const size_t slice = std::min(k_step, plan.shape.k - k0) * kGemmNr * sizeof(float);
  return ReadAhead(b.at(k0, n0), nc / kGemmNr, slice, b.panel_stride() * sizeof(float),
                   (t.row_end - t.row_begin) / p.kernels->gemm_tile.rows);
}

// One (row range x column block) task, reading B as the plan says; `next` is the task the thread
// runs after it, if any.
void run_task(const GemmPlan& plan, const GemmArgs& p, const GemmBSource& b, const GemmTask& t, const GemmTask* next,
              float* scratch) {
  const GemmShape& s = plan.shape;
  const size_t k_blocks = t.b == GemmBAccess::kStream ? 1 : plan.k_blocks, k_step = ceil_div(s.k, k_blocks);
  const bool packed = t.b == GemmBAccess::kPackBlocks || t.b == GemmBAccess::kShared;
  // Packed or in-place 8-wide panels: full ones in strip calls, a narrow last one as dot products.
  const bool strips = packed || t.b == GemmBAccess::kPanels;
  const size_t full_cols = strips ? t.nc / kGemmNr * kGemmNr : 0;
  for (size_t kb = 0; kb < k_blocks; ++kb) {
    const size_t k0 = kb * k_step, kc = std::min(k_step, s.k - k0);
    F32GemmOutput out;
    out.accumulate = kb > 0 || s.accumulate;
    out.finish = kb + 1 == k_blocks;
    out.minmax = p.minmax;
    const float* block = t.b == GemmBAccess::kShared ? p.workspace + shared_block_offset(s.k, t.n0, t.nc, k0) : scratch;
    if (t.b == GemmBAccess::kPackBlocks) b.pack({k0, kc, t.n0, t.nc}, scratch);
    const size_t panel_stride = packed ? kc * kGemmNr : b.panel_stride();
    const size_t row_block = p.a_source ? a_block_rows(kc) : kGemmMc;
    ReadAhead ahead = read_ahead(plan, p, b, t, next, kb, k_step);
    for (size_t r0 = t.row_begin; r0 < t.row_end; r0 += row_block) {
      const size_t r1 = std::min(t.row_end, r0 + row_block);
      if (p.a_source) p.a_source->pack(r0, r1, k0, kc, scratch);
      const TileRunner runner(p, out, p.a_source ? ARows{scratch, kc, r0} : ARows{p.a + r0 * p.lda + k0, p.lda, r0});
      if (full_cols > 0) {
        const float* first = packed ? block : b.at(k0, t.n0);
        runner.run_panel_strip(r0, r1, kc, first, panel_stride, full_cols / kGemmNr, t.n0, ahead);
      }
      for (size_t j = full_cols; j < t.nc; j += kGemmNr) {
        if (t.b == GemmBAccess::kStream && j + PanelB::kQuadWidth <= t.nc) {
          runner.run_panel_quad(r0, r1, kc, b.at(k0, t.n0 + j), panel_stride, b.ld(), t.n0 + j);
          j += PanelB::kQuadWidth - kGemmNr;
          continue;
        }
        const size_t cols = std::min(kGemmNr, t.nc - j);
        size_t ldb = packed ? kGemmNr : b.ld();
        // In place: panels always (zero-padded), rows only for 8 whole columns.
        const float* panel = packed ? block + j * kc
                             : cols == kGemmNr || s.b == GemmBStorage::kPanels ? b.at(k0, t.n0 + j)
                                                                                : nullptr;
        if (!panel) {
          b.pack({k0, kc, t.n0 + j, cols}, scratch);
          panel = scratch;
          ldb = kGemmNr;
        }
        if (strips && cols <= kDotMaxCols) {
          runner.run_dot_columns(r0, r1, kc, panel, t.n0 + j, cols);
          continue;
        }
        runner.run_column_strip(r0, r1, kc, panel, ldb, t.n0 + j, cols);
      }
    }
  }
  if (p.activation) {
    for (size_t i = t.row_begin; i < t.row_end; ++i) {
      float* c = p.c + i * p.ldc + t.n0;
      p.activation(t.nc, c, c, UnaryParams{});
    }
  }
}

// Columns [n0, n0 + cols) of every row over B read in place as rows (batch-1 linear layers): B's
// rows are streamed front to back through them.
void run_gemv_task(const GemmPlan& plan, const GemmArgs& p, const GemmBSource& b, const GemmTask& t) {
  const F32GemvFn gemv = p.kernels->gemv;
  for (size_t i = t.row_begin; i < t.row_end; ++i) {
    F32GemmOutput out;
    out.row_bias = p.row_bias ? p.row_bias + i : nullptr;
    out.col_bias = p.col_bias ? p.col_bias + t.n0 : nullptr;
    out.minmax = p.minmax;
    float* c = p.c + i * p.ldc + t.n0;
    gemv(plan.shape.k, t.nc, p.a + i * p.lda, b.at(0, t.n0), b.ld(), c, out);
    if (p.activation) p.activation(t.nc, c, c, UnaryParams{});
  }
}

void run_tasks(const GemmPlan& plan, const GemmArgs& p, const GemmBSource& b, size_t begin, size_t end,
               float* scratch) {
  for (size_t i = begin; i < end; ++i) {
    const GemmTask t = plan.task(i);
    if (plan.strategy == GemmStrategy::kGemv) {
      run_gemv_task(plan, p, b, t);
      continue;
    }
    // The next task matters only to a read-ahead past this task's last k block.
    const bool reads_next = plan.read_ahead && i + 1 < end;
    const GemmTask next = reads_next ? plan.task(i + 1) : GemmTask{};
    run_task(plan, p, b, t, reads_next ? &next : nullptr, scratch);
  }
}

}  // namespace

void PanelB::pack(const F32PackBlock& block, float* panels) const {
  if (block.kc == 0) return;  // nothing to copy, and an empty B may have no address
  for (size_t j = 0; j < block.nc; j += kGemmNr) {
    const float* from = at(block.k0, block.n0 + j);
    float* to = panels + j * block.kc;
    if (width_ == kGemmNr) {
      std::memcpy(to, from, block.kc * kGemmNr * sizeof(float));
      continue;
    }
    for (size_t p = 0; p < block.kc; ++p) std::memcpy(to + p * kGemmNr, from + p * width_, kGemmNr * sizeof(float));
  }
}

void run_gemm(const GemmPlan& plan, const GemmArgs& args, const GemmBSource& b, ThreadPool& pool) {
  if (plan.task_count() == 0) return;
  if (plan.serial) {
    run_tasks(plan, args, b, 0, plan.task_count(), pool.thread_scratch());
    return;
  }
  const GemmShape& s = plan.shape;
  GemmArgs p = args;
  if (plan.pack_a_once) {
    pool.parallelize(s.m, 1, [&](size_t begin, size_t end) {
      args.a_source->pack(begin, end, 0, s.k, args.workspace + begin * s.k);
    });
    p.a = args.workspace;
    p.lda = s.k;
    p.a_source = nullptr;
  }
  if (plan.pack_b_once) {
    const size_t k_step = ceil_div(s.k, plan.k_blocks);
    pool.parallelize(plan.col_blocks * plan.k_blocks, 1, [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) {
        const size_t n0 = (t / plan.k_blocks) * plan.cols_per_block, nc = std::min(plan.cols_per_block, s.n - n0);
        const size_t k0 = (t % plan.k_blocks) * k_step;
        b.pack({k0, std::min(k_step, s.k - k0), n0, nc}, args.workspace + shared_block_offset(s.k, n0, nc, k0));
      }
    });
  }
  // Tasks row split first: the pool gives thread i about the i-th part of them, so each thread
  // writes whole rows of C, which the next op (an NHWC depthwise or pooling, split by rows) reads
  // on the same core.
  pool.parallelize(plan.task_count(), 1,
                   [&](size_t begin, size_t end) { run_tasks(plan, p, b, begin, end, pool.thread_scratch()); });
}

}  // namespace wt
