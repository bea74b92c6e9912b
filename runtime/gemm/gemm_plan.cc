#include "gemm/gemm_plan.h"

#include <algorithm>

namespace wt {
namespace {

// Below this many rows, packing B costs about as much as the multiplication it feeds (the exporter's
// tuning knows it too: such rows stream B in one k block, whatever gemm_depth_block says).
constexpr size_t kMinRowsToPack = contract::kGemmMinRowsToPack;
// A task computes at least this many rows, so its block packing stays amortized.
constexpr size_t kMinTaskRows = 16;
// Up to this many columns (a few column blocks: 14x14 and 7x7 convolutions), B is packed once into
// the op scratch when rows are split over threads; each row split packing its own copy cost
// ResNet-50's 14x14 layers a third of their two-thread speed-up.
constexpr size_t kSharedPackMaxN = 4 * kGemmNc;
// A single row streams 32 columns at once from panels read in place (f32_gemm_1x32).
static_assert(kGemmNc % PanelB::kQuadWidth == 0, "column blocks start on a 32-column group");
// Columns of the narrowest task when only columns are split (four panels, one f32_gemm_1x32 call).
constexpr size_t kMinTaskCols = 4 * kGemmNr;
// The largest A packed whole for a column split (7x7x512 3x3 convolutions: 0.9 MiB).
constexpr size_t kMaxSharedABytes = 4 << 20;
// A GEMV task takes at least this many columns.
constexpr size_t kGemvMinCols = 64;

bool in_microkernel_panels(const GemmShape& s) { return s.b == GemmBStorage::kPanels && s.b_panel_width == kGemmNr; }

// Weights in panels at least this large are read ahead: a model's layers evict each other's, so a
// forward reads these from L3 or memory, and the first row tile over each block waits for them.
// Read ahead, linears of BERT and ViT shapes with cold weights ran 3-6% faster (K = 768; K = 3072
// no change), GPT-2's 154 MB output layer 5% (make bench-kernels, "linear cold" rows, Chromium).
// Below it (mobile nets' 1x1 convolutions) the weights stay in cache and reading ahead only costs.
constexpr size_t kReadAheadMinBytes = 1 << 20;

bool reads_ahead(const GemmShape& s) {
  return in_microkernel_panels(s) && s.k * s.n * sizeof(float) >= kReadAheadMinBytes;
}

// Blocks of equal depth (no short last block); k = 0 still makes one block, for the epilogue.
size_t k_block_count(const GemmShape& s) {
  return std::max<size_t>(1, ceil_div(s.k, std::clamp<size_t>(s.depth_block, 1, kGemmKc)));
}

// Fewer rows than a tile, B readable in place as rows, nothing to accumulate onto: a matrix-vector
// product per row streams B front to back.
bool is_gemv(const GemmShape& s) {
  return s.m < kGemmMr && !s.accumulate && !s.a_packed && s.b == GemmBStorage::kRows;
}

GemmBAccess task_access(const GemmShape& s, size_t rows, bool shared) {
  if (s.b == GemmBStorage::kPanels && !s.a_packed && rows < kMinRowsToPack) return GemmBAccess::kStream;
  if (in_microkernel_panels(s)) return GemmBAccess::kPanels;
  if (shared) return GemmBAccess::kShared;
  return rows >= kMinRowsToPack ? GemmBAccess::kPackBlocks : GemmBAccess::kPerPanel;
}

size_t shared_a_bytes(const GemmShape& s) {
  const size_t bytes = s.m * s.k * sizeof(float);
  return s.m <= kGemmMc && bytes <= kMaxSharedABytes ? bytes : 0;
}

// Whether tasks are column blocks only, B in panels: each thread then reads only its part of B, and
// all of A. Split by rows, ResNet-18's 7x7 layers read all their weights on both cores and scaled
// 1.6x at 2 threads; BERT-style's linears with N = 768 (128 rows) 1.85x. So A is split only when
// it has more than one block of rows and more rows than B has columns (then it is the larger), or
// when it is packed from a GemmASource and too large to pack whole. B in 32-column panels is read
// in place only by rows too few to pack for.
bool splits_columns_only(const GemmShape& s) {
  const bool in_place = in_microkernel_panels(s) || (s.b == GemmBStorage::kPanels && s.m < kMinRowsToPack);
  const bool whole_a = s.a_packed ? shared_a_bytes(s) > 0 : s.m <= kGemmMc || s.m < s.n;
  return in_place && whole_a && s.n > kMinTaskCols;
}

// One row split of all rows, columns in blocks of `cols`.
void column_grid(GemmPlan& plan, size_t cols, GemmBAccess access) {
  plan.row_splits = 1;
  plan.rows_per_split = plan.shape.m;
  plan.cols_per_block = cols;
  plan.col_blocks = ceil_div(plan.shape.n, cols);
  plan.access = plan.last_access = access;
}

}  // namespace

GemmTask GemmPlan::task(size_t t) const {
  const size_t split = t / col_blocks, n0 = t % col_blocks * cols_per_block, r0 = split * rows_per_split;
  return {r0, std::min(shape.m, r0 + rows_per_split), n0, std::min(cols_per_block, shape.n - n0),
          split + 1 == row_splits ? last_access : access};
}

GemmPlan plan_gemm(const GemmShape& s, const KernelTable& kernels, size_t threads) {
  GemmPlan plan;
  plan.shape = s;
  plan.k_blocks = k_block_count(s);
  threads = std::max<size_t>(threads, 1);
  if (s.m == 0 || s.n == 0) return plan;
  if (is_gemv(s)) {
    plan.strategy = GemmStrategy::kGemv;
    column_grid(plan, std::max(kGemvMinCols, round_up(ceil_div(s.n, threads), kGemmNr)), GemmBAccess::kPerPanel);
    return plan;
  }
  if (splits_columns_only(s)) {
    plan.strategy = GemmStrategy::kColumnTasks;
    plan.pack_a_once = s.a_packed;
    plan.workspace_bytes = s.a_packed ? shared_a_bytes(s) : 0;
    GemmShape a_in_memory = s;
    a_in_memory.a_packed = false;
    const size_t tasks = ThreadPool::kChunksPerThread * threads;
    const size_t cols = std::clamp(round_up(ceil_div(s.n, tasks), s.b_panel_width), kMinTaskCols, kGemmNc);
    column_grid(plan, cols, task_access(a_in_memory, s.m, false));
    plan.read_ahead = reads_ahead(s);
    return plan;
  }
  plan.strategy = GemmStrategy::kTiles;
  const bool in_panels = in_microkernel_panels(s);
  const bool shares_pack = !in_panels && s.n <= kSharedPackMaxN;
  // Enough tasks for dynamic balancing, rows split only when columns run out; half as many when
  // every row split would pack its own copy of B (ResNet-18's stride-2 3x3: 1.65x at 2 threads).
  const bool repacks = !in_panels && !shares_pack;
  const size_t tasks = (repacks ? ThreadPool::kChunksPerThread / 2 : ThreadPool::kChunksPerThread) * threads;
  plan.col_blocks = ceil_div(s.n, kGemmNc);
  plan.cols_per_block = kGemmNc;
  size_t row_splits = 1;
  if (threads > 1 && plan.col_blocks < tasks) {
    row_splits = std::min(ceil_div(tasks, plan.col_blocks), std::max<size_t>(1, s.m / kMinTaskRows));
  }
  plan.rows_per_split = round_up(ceil_div(s.m, row_splits), kernels.gemm_tile.rows);
  plan.row_splits = ceil_div(s.m, plan.rows_per_split);
  plan.pack_b_once = plan.row_splits > 1 && shares_pack;
  if (plan.pack_b_once) plan.workspace_bytes = std::max<size_t>(s.k, 1) * round_up(s.n, kGemmNr) * sizeof(float);
  plan.access = task_access(s, plan.rows_per_split, plan.pack_b_once);
  plan.last_access = task_access(s, s.m - (plan.row_splits - 1) * plan.rows_per_split, plan.pack_b_once);
  plan.read_ahead = reads_ahead(s);
  return plan;
}

GemmPlan plan_gemm_serial(const GemmShape& s) {
  GemmPlan plan;
  plan.shape = s;
  plan.serial = true;
  plan.k_blocks = k_block_count(s);
  if (s.m == 0 || s.n == 0) return plan;
  if (is_gemv(s)) {
    plan.strategy = GemmStrategy::kGemv;
    column_grid(plan, s.n, GemmBAccess::kPerPanel);
    return plan;
  }
  column_grid(plan, kGemmNc, task_access(s, s.m, false));
  return plan;
}

GemmRowTiles gemm_row_tiles(size_t rows, size_t main_rows) {
  for (size_t quads = 0; quads < main_rows && quads * kGemmMr <= rows; ++quads) {
    if ((rows - quads * kGemmMr) % main_rows == 0) return {(rows - quads * kGemmMr) / main_rows, quads, 0};
  }
  const size_t main = rows / main_rows, quads = (rows - main * main_rows) / kGemmMr;
  return {main, quads, rows - main * main_rows - quads * kGemmMr};
}

}  // namespace wt
