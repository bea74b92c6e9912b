#include "ops/gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/f32_gemm.h"

namespace wt {
namespace {

// Cache blocks. A packed B block (kKc x kNc floats, 192 KiB) stays in L2 while its 8-column panels
// (16 KiB, L1) meet the rows of A, kMc at a time: a tall A block (128-512 rows) streamed from L3
// once per panel on a 512 KiB L2 (AMD Zen 3; make bench-kernels 512^3: 25-27 -> 37-40 GFLOP/s).
// kKc = 256 helped K = 3072 linear layers in bench-kernels but cost ResNet-50 up to 20% in
// Chromium (interleaved A/B, same run): the models decided.
constexpr size_t kKc = 512;
constexpr size_t kNc = 96;
constexpr size_t kMc = 100;  // a multiple of the 4- and 5-row tiles
static_assert(kKc * kNc * sizeof(float) <= ThreadPool::kScratchBytes, "a packed block must fit the thread scratch");
// Below this many rows, packing B costs about as much as the multiplication it feeds.
constexpr size_t kMinRowsToPack = 8;
// A task computes at least this many rows, so its block packing stays amortized.
constexpr size_t kMinTaskRows = 16;
// Up to this many columns (a few column blocks: 14x14 and 7x7 convolutions), B is packed once into
// the op scratch when rows are split over threads; each row split packing its own copy cost
// ResNet-50's 14x14 layers a third of their two-thread speed-up.
constexpr size_t kSharedPackMaxN = 4 * kNc;
// A single row streams 32 columns at once from panels read in place (f32_gemm_1x32).
static_assert(kNc % PanelB::kQuadWidth == 0, "column blocks start on a 32-column group");
// Columns of the narrowest task when only columns are split (four panels, one f32_gemm_1x32 call).
constexpr size_t kMinTaskCols = 4 * kGemmNr;
// The largest A packed whole for a column split (7x7x512 3x3 convolutions: 0.9 MiB).
constexpr size_t kMaxSharedABytes = 4 << 20;
// A last panel with at most this many columns (7x7 outputs, 1x1 squeeze-excitation convolutions)
// runs as dot products (f32_gemm_dot): a tile computes all 8, a dot product about a sixth of
// that per column.
constexpr size_t kDotMaxCols = 4;

struct Task {
  size_t row_begin, row_end, n0, nc;
};

// The rows of A a TileRunner reads: `a` is A[row0][k0] with rows lda apart, in place or packed.
struct ARows {
  const float* a;
  size_t lda, row0;
  const float* at(size_t row) const { return a + (row - row0) * lda; }
};

class TileRunner {
 public:
  TileRunner(const GemmProblem& p, const F32GemmOutput& out, ARows a)
      : p_(p),
        out_(out),
        a_(a),
        main_(p.kernel_table->gemm_tile),
        gemm_4x8_(p.kernel_table->gemm_4x8),
        gemm_4x8_panels_(p.kernel_table->gemm_4x8_panels),
        gemm_1x8_(p.kernel_table->gemm_1x8),
        gemm_1x32_(p.kernel_table->gemm_1x32),
        dot_(p.kernel_table->gemm_dot) {}

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
                       size_t col) const {
    const GemmRowTiles split = gemm_row_tiles(row_end - row_begin, main_.rows);
    size_t i = row_begin;
    for (size_t t = 0; t < split.main; ++t, i += main_.rows)
      panel_tiles(main_.panels_fn, i, kc, first, stride, panels, col);
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
  // per output over each column copied out contiguously (kc <= kKc: k blocks, never streaming).
  void run_dot_columns(size_t row_begin, size_t row_end, size_t kc, const float* panel, size_t col, size_t cols) const {
    float column[kKc];
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

  const GemmProblem& p_;
  F32GemmOutput out_;
  ARows a_;
  F32GemmTile main_;
  F32Gemm4x8Fn gemm_4x8_;
  F32GemmPanelsFn gemm_4x8_panels_;
  F32Gemm1x8Fn gemm_1x8_;
  F32Gemm1x32Fn gemm_1x32_;
  F32GemmDotFn dot_;
};

size_t round_up(size_t a, size_t b) { return ceil_div(a, b) * b; }

// B packed once for all tasks: column block n0 (nc columns) holds its k blocks one after another
// from n0 * k on (every block but the last is kNc wide, a multiple of 8).
template <typename T>
T* shared_block(T* shared, size_t k, size_t n0, size_t nc, size_t k0) {
  return shared + n0 * k + k0 * round_up(nc, kGemmNr);
}

// Blocks of equal depth (no short last block); k = 0 still makes one block, for the epilogue.
size_t k_block_count(size_t k) { return std::max<size_t>(1, ceil_div(k, kKc)); }

// Rows of A packed into the thread scratch at a time (k blocks of kc): up to kMc.
size_t a_block_rows(size_t kc) {
  return std::min(kMc, ThreadPool::kScratchBytes / sizeof(float) / std::max<size_t>(kc, 1));
}

// `prepacked`: all of B's k blocks for this task's columns, packed by the caller (or null).
void run_task(const GemmProblem& p, const GemmBSource& b, const Task& t, float* scratch, const float* prepacked) {
  const bool in_panels = b.in_panels();
  const bool pack = !in_panels && (t.row_end - t.row_begin >= kMinRowsToPack || prepacked);
  // k blocks keep a block of B in L2 for many rows of A; a few rows over panels stream B once
  // (when A is in place: a packed A block must fit the scratch).
  const bool streaming = b.panels_in_place() && !p.a_source && t.row_end - t.row_begin < kMinRowsToPack;
  const size_t k_blocks = streaming ? 1 : k_block_count(p.k), k_step = ceil_div(p.k, k_blocks);
  // Packed or in-place panels: full ones in strip calls, a narrow last one as dot products.
  const bool strips = (in_panels || pack) && !streaming;
  const size_t full_cols = strips ? t.nc / kGemmNr * kGemmNr : 0;
  for (size_t kb = 0; kb < k_blocks; ++kb) {
    const size_t k0 = kb * k_step, kc = std::min(k_step, p.k - k0);
    F32GemmOutput out;
    out.accumulate = kb > 0 || p.accumulate;
    out.finish = kb + 1 == k_blocks;
    out.minmax = p.minmax;
    const float* block = prepacked ? shared_block(prepacked, p.k, t.n0, t.nc, k0) : scratch;
    if (pack && !prepacked) b.pack({k0, kc, t.n0, t.nc}, scratch);
    const size_t panel_stride = pack ? kc * kGemmNr : b.panel_stride();
    const size_t row_block = p.a_source ? a_block_rows(kc) : kMc;
    for (size_t r0 = t.row_begin; r0 < t.row_end; r0 += row_block) {
      const size_t r1 = std::min(t.row_end, r0 + row_block);
      if (p.a_source) p.a_source->pack(r0, r1, k0, kc, scratch);
      const TileRunner runner(p, out, p.a_source ? ARows{scratch, kc, r0} : ARows{p.a + r0 * p.lda + k0, p.lda, r0});
      // Full panels from packing or in place: one strip call (the last, partial panel below).
      if (full_cols > 0) {
        const float* first = in_panels ? b.panel(k0, t.n0) : block;
        runner.run_panel_strip(r0, r1, kc, first, panel_stride, full_cols / kGemmNr, t.n0);
      }
      for (size_t j = full_cols; j < t.nc; j += kGemmNr) {
        if (streaming && j + PanelB::kQuadWidth <= t.nc) {
          runner.run_panel_quad(r0, r1, kc, b.panel(k0, t.n0 + j), panel_stride, b.panel_width(), t.n0 + j);
          j += PanelB::kQuadWidth - kGemmNr;
          continue;
        }
        const size_t cols = std::min(kGemmNr, t.nc - j);
        size_t ldb = pack ? kGemmNr : b.panel_width();
        const float* panel = pack                  ? block + j * kc
                             : b.panels_in_place() ? b.panel(k0, t.n0 + j)
                                                   : (cols == kGemmNr ? b.unpacked(k0, t.n0 + j, cols, &ldb) : nullptr);
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

// Columns [n0, n0 + cols) of one to three rows over a B read in place (batch-1 linear layers):
// B's rows are streamed front to back through them.
void gemv_columns(const GemmProblem& p, const float* b, size_t ldb, size_t n0, size_t cols) {
  const F32GemvFn gemv = p.kernel_table->gemv;
  for (size_t i = 0; i < p.m; ++i) {
    F32GemmOutput out;
    out.row_bias = p.row_bias ? p.row_bias + i : nullptr;
    out.col_bias = p.col_bias ? p.col_bias + n0 : nullptr;
    out.minmax = p.minmax;
    float* c = p.c + i * p.ldc + n0;
    gemv(p.k, cols, p.a + i * p.lda, b + n0, ldb, c, out);
    if (p.activation) p.activation(cols, c, c, UnaryParams{});
  }
}

// B in place when the problem is a GEMV (fewer rows than a tile and B readable unpacked), else null.
const float* gemv_operand(const GemmProblem& p, const GemmBSource& b, size_t* ldb) {
  return p.m < kGemmMr && !p.accumulate && !p.a_source ? b.unpacked(0, 0, p.n, ldb) : nullptr;
}

// Whether tasks are column blocks only, B in panels: each thread then reads only its part of B, and
// all of A. Split by rows, ResNet-18's 7x7 layers read all their weights on both cores and scaled
// 1.6x at 2 threads; BERT-style's linears with N = 768 (128 rows) 1.85x. So A is split only when
// it has more than one block of rows and more rows than B has columns (then it is the larger), or
// when it comes from an a_source and does not fit shared_a. B in 32-column panels is read in place
// only by rows too few to pack for.
bool splits_columns_only(const GemmProblem& p, const GemmBSource& b) {
  const bool in_place = b.in_panels() || (b.panels_in_place() && p.m < kMinRowsToPack);
  const bool whole_a = p.a_source ? p.shared_a && p.m <= kMc : p.m <= kMc || p.m < p.n;
  return in_place && whole_a && p.n > kMinTaskCols;
}

void run_gemm_by_columns(GemmProblem p, const GemmBSource& b, ThreadPool& pool) {
  if (p.a_source) {
    pool.parallelize(p.m, 1,
                     [&](size_t begin, size_t end) { p.a_source->pack(begin, end, 0, p.k, p.shared_a + begin * p.k); });
    p.a = p.shared_a;
    p.lda = p.k;
    p.a_source = nullptr;
  }
  const size_t tasks = ThreadPool::kChunksPerThread * static_cast<size_t>(pool.thread_count());
  const size_t nc = std::clamp(round_up(ceil_div(p.n, tasks), b.panel_width()), kMinTaskCols, kNc);
  pool.parallelize(ceil_div(p.n, nc), 1, [&](size_t begin, size_t end) {
    float* scratch = pool.thread_scratch();
    for (size_t t = begin; t < end; ++t) run_task(p, b, {0, p.m, t * nc, std::min(nc, p.n - t * nc)}, scratch, nullptr);
  });
}

}  // namespace

GemmRowTiles gemm_row_tiles(size_t rows, size_t main_rows) {
  for (size_t quads = 0; quads < main_rows && quads * kGemmMr <= rows; ++quads) {
    if ((rows - quads * kGemmMr) % main_rows == 0) return {(rows - quads * kGemmMr) / main_rows, quads, 0};
  }
  const size_t main = rows / main_rows, quads = (rows - main * main_rows) / kGemmMr;
  return {main, quads, rows - main * main_rows - quads * kGemmMr};
}

void PanelB::pack(const F32PackBlock& block, float* panels) const {
  if (block.kc == 0) return;  // nothing to copy, and an empty B may have no address
  for (size_t j = 0; j < block.nc; j += kGemmNr) {
    const float* from = panel(block.k0, block.n0 + j);
    float* to = panels + j * block.kc;
    if (width_ == kGemmNr) {
      std::memcpy(to, from, block.kc * kGemmNr * sizeof(float));
      continue;
    }
    for (size_t p = 0; p < block.kc; ++p) std::memcpy(to + p * kGemmNr, from + p * width_, kGemmNr * sizeof(float));
  }
}

void DenseB::pack(const F32PackBlock& block, float* panels) const {
  f32_pack_b_dense(b_, stride_n_, stride_k_, block, panels);
}

const float* DenseB::unpacked(size_t k0, size_t n0, size_t cols, size_t* ldb) const {
  if (stride_n_ != 1 || n0 + cols > n_) return nullptr;
  *ldb = stride_k_;
  return b_ + k0 * stride_k_ + n0;
}

void run_gemm(const GemmProblem& p, const GemmBSource& b, ThreadPool& pool) {
  if (p.m == 0 || p.n == 0) return;
  size_t ldb;
  if (const float* in_place = gemv_operand(p, b, &ldb)) {
    // Each thread takes one contiguous range of columns.
    const size_t threads = static_cast<size_t>(pool.thread_count());
    const size_t chunk = std::max<size_t>(64, round_up(ceil_div(p.n, threads), kGemmNr));
    pool.parallelize(ceil_div(p.n, chunk), 1, [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) gemv_columns(p, in_place, ldb, t * chunk, std::min(chunk, p.n - t * chunk));
    });
    return;
  }
  if (splits_columns_only(p, b)) {
    run_gemm_by_columns(p, b, pool);
    return;
  }
  const size_t col_blocks = ceil_div(p.n, kNc);
  const size_t threads = static_cast<size_t>(pool.thread_count());
  // Enough tasks for dynamic balancing, rows split only when columns run out; half as many when
  // every row split would pack its own copy of B (ResNet-18's stride-2 3x3: 1.65x at 2 threads).
  const bool shares_pack = !b.in_panels() && p.n <= kSharedPackMaxN && p.shared_pack;
  const bool repacks = !b.in_panels() && !shares_pack;
  const size_t tasks = (repacks ? ThreadPool::kChunksPerThread / 2 : ThreadPool::kChunksPerThread) * threads;
  size_t row_splits = 1;
  if (threads > 1 && col_blocks < tasks) {
    row_splits = std::min(ceil_div(tasks, col_blocks), std::max<size_t>(1, p.m / kMinTaskRows));
  }
  const size_t rows_per_split = round_up(ceil_div(p.m, row_splits), p.kernel_table->gemm_tile.rows);
  row_splits = ceil_div(p.m, rows_per_split);
  const float* prepacked = nullptr;
  if (row_splits > 1 && shares_pack) {
    const size_t k_blocks = k_block_count(p.k), k_step = ceil_div(p.k, k_blocks);
    pool.parallelize(col_blocks * k_blocks, 1, [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) {
        const size_t n0 = (t / k_blocks) * kNc, nc = std::min(kNc, p.n - n0), k0 = (t % k_blocks) * k_step;
        b.pack({k0, std::min(k_step, p.k - k0), n0, nc}, shared_block(p.shared_pack, p.k, n0, nc, k0));
      }
    });
    prepacked = p.shared_pack;
  }
  // Tasks row split first: the pool gives thread i about the i-th part of them, so each thread
  // writes whole rows of C, which the next op (an NHWC depthwise or pooling, split by rows) reads
  // on the same core.
  pool.parallelize(col_blocks * row_splits, 1, [&](size_t begin, size_t end) {
    float* scratch = pool.thread_scratch();
    for (size_t t = begin; t < end; ++t) {
      const size_t r0 = (t / col_blocks) * rows_per_split, n0 = (t % col_blocks) * kNc;
      run_task(p, b, {r0, std::min(p.m, r0 + rows_per_split), n0, std::min(kNc, p.n - n0)}, scratch, prepacked);
    }
  });
}

size_t gemm_shared_pack_bytes(size_t n, size_t k) {
  return n <= kSharedPackMaxN ? std::max<size_t>(k, 1) * round_up(n, kGemmNr) * sizeof(float) : 0;
}

size_t gemm_shared_a_bytes(size_t m, size_t k) {
  const size_t bytes = m * k * sizeof(float);
  return m <= kMc && bytes <= kMaxSharedABytes ? bytes : 0;
}

void run_gemm_on_this_thread(const GemmProblem& p, const GemmBSource& b, ThreadPool& pool) {
  if (p.m == 0 || p.n == 0) return;
  size_t ldb;
  if (const float* in_place = gemv_operand(p, b, &ldb)) {
    gemv_columns(p, in_place, ldb, 0, p.n);
    return;
  }
  float* scratch = pool.thread_scratch();
  for (size_t n0 = 0; n0 < p.n; n0 += kNc) run_task(p, b, {0, p.m, n0, std::min(kNc, p.n - n0)}, scratch, nullptr);
}

}  // namespace wt
