// The GEMM driver's decisions for one problem shape, made when an op is prepared (again for each
// input shape of a dynamic model, whose ops are prepared per shape): how C is cut into tasks over
// the pool, how each task reads B, and what is packed once before the tasks. run_gemm()
// (gemm_driver.h) executes a plan and decides nothing. A plan is a small value: ops whose
// sub-problems vary per run (attention's blocks) make one per call at no allocation.
#pragma once

#include <cstddef>

#include "core/contract.h"
#include "gemm/gemm_operands.h"
#include "kernels/kernel_table.h"
#include "threading/thread_pool.h"

namespace wt {

// Cache blocks. A packed B block (kGemmKc x kGemmNc floats, 192 KiB) stays in L2 while its 8-column panels
// (16 KiB, L1) meet the rows of A, kGemmMc at a time: a tall A block (128-512 rows) streamed from L3
// once per panel on a 512 KiB L2 (AMD Zen 3; make bench-kernels 512^3: 25-27 -> 37-40 GFLOP/s).
// kGemmKc = 256 helped K = 3072 linear layers in bench-kernels but cost ResNet-50 up to 20% in
// Chromium (interleaved A/B, same run): the models decided, and O3 decides per layer by timing
// (GemmShape::depth_block).
constexpr size_t kGemmKc = contract::kGemmMaxDepthBlock;
constexpr size_t kGemmNc = 96;
constexpr size_t kGemmMc = 100;  // a multiple of the 4- and 5-row tiles
// The scratch each thread of the pool needs for the GEMM: one packed B block, or a block of A rows.
constexpr size_t kGemmThreadScratchBytes = kGemmKc * kGemmNc * sizeof(float);

// The problem as far as the plan depends on it.
struct GemmShape {
  size_t m = 0, n = 0, k = 0;
  GemmBStorage b = GemmBStorage::kPackedOnly;
  size_t b_panel_width = kGemmNr;  // kPanels: 8, or 32 (linear layers of 1-3 rows)
  bool a_packed = false;           // A's rows come from a GemmASource; B must be in 8-wide panels
  bool accumulate = false;         // C += A x B (then the epilogue)
  size_t depth_block = kGemmKc;    // the deepest k block: 1..kGemmKc (the node's gemm_depth_block)
};

enum class GemmStrategy {
  kGemv,         // fewer rows than a tile over B read in place as rows: one column range per task
  kColumnTasks,  // column blocks only, every task all rows: each thread reads only its part of B
  kTiles,        // (row range x column block) tasks
};

// How a task reads B.
enum class GemmBAccess {
  kPackBlocks,  // packs each of its (k block x its columns) into the thread's scratch
  kShared,      // reads the blocks packed once before the tasks (GemmPlan::pack_b_once)
  kPanels,      // B's 8-wide panels in place, all of a tile's panels in one call
  kStream,      // rows too few to pack, B in panels: streamed in place, one k block, 32 columns a call
  kPerPanel,    // rows too few to pack: each 8 columns in place (kRows) or packed alone
};

struct GemmTask {
  size_t row_begin, row_end, n0, nc;
  GemmBAccess b;
};

struct GemmPlan {
  GemmShape shape;
  GemmStrategy strategy = GemmStrategy::kTiles;
  // Whether all tasks run on the calling thread (a GEMM inside a task that already runs in parallel).
  bool serial = false;
  // The task grid, row splits outer: task t is row split t / col_blocks, column block t % col_blocks.
  size_t row_splits = 0, col_blocks = 0, rows_per_split = 0, cols_per_block = 0;
  GemmBAccess access = GemmBAccess::kPanels;       // of every row split but the last
  GemmBAccess last_access = GemmBAccess::kPanels;  // of the last (it may have too few rows to pack)
  size_t k_blocks = 1;                             // depth blocks of equal size (kStream: always 1)
  bool pack_a_once = false;  // A's rows packed whole into the workspace first (a column split)
  bool pack_b_once = false;  // B packed whole into the workspace first, for every row split
  bool read_ahead = false;   // kPanels tasks touch the B their next k block reads (gemm_driver.cc)
  size_t workspace_bytes = 0;  // op scratch run_gemm() needs (GemmArgs::workspace)

  size_t task_count() const { return row_splits * col_blocks; }
  GemmTask task(size_t t) const;
};

// A plan over a pool of `threads`, with the microkernels of `kernels` (their main tile height).
GemmPlan plan_gemm(const GemmShape& shape, const KernelTable& kernels, size_t threads);
// A plan that runs on the calling thread only and packs nothing into a workspace.
GemmPlan plan_gemm_serial(const GemmShape& shape);

// How a strip of `rows` rows is cut into tiles: `main` tiles of the build's main height, then
// `quads` 4-row tiles, then single rows. With 5-row main tiles every count from 12 up is made of
// 5s and 4s (128 = 24 x 5 + 2 x 4, not 25 x 5 + 3 single rows at a third of the speed).
struct GemmRowTiles {
  size_t main, quads, singles;
};
GemmRowTiles gemm_row_tiles(size_t rows, size_t main_rows);

inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
inline size_t round_up(size_t a, size_t b) { return ceil_div(a, b) * b; }

}  // namespace wt
