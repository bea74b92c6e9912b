// The GEMM plan's decisions (gemm_plan.h), apart from running them: which strategy a shape gets,
// how its tasks tile C, how each task reads B, and what is packed once into the op workspace.
#include "gemm/gemm_plan.h"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

namespace wt {
namespace {

const KernelTable& kernels() { return default_kernels(); }

GemmShape shape(size_t m, size_t n, size_t k, GemmBStorage b, size_t width = kGemmNr, bool a_packed = false) {
  GemmShape s{m, n, k, b, width};
  s.a_packed = a_packed;
  return s;
}

// Every element of C is computed by exactly one task, tasks start on 8-column panels, and the
// workspace is what the plan's packing-once needs.
void expect_tiles_c_once(const GemmPlan& plan) {
  const GemmShape& s = plan.shape;
  std::vector<int> covered(s.m * s.n, 0);
  for (size_t t = 0; t < plan.task_count(); ++t) {
    const GemmTask task = plan.task(t);
    ASSERT_LT(task.row_begin, task.row_end);
    ASSERT_LE(task.row_end, s.m);
    ASSERT_GT(task.nc, 0u);
    ASSERT_LE(task.n0 + task.nc, s.n);
    ASSERT_EQ(task.n0 % kGemmNr, 0u);
    if (s.b == GemmBStorage::kPanels) {
      ASSERT_EQ(task.n0 % s.b_panel_width, 0u) << "a task starts inside a panel group";
    }
    for (size_t i = task.row_begin; i < task.row_end; ++i)
      for (size_t j = task.n0; j < task.n0 + task.nc; ++j) ++covered[i * s.n + j];
    if (plan.strategy == GemmStrategy::kGemv) continue;
    const size_t rows = task.row_end - task.row_begin;
    if (task.b == GemmBAccess::kShared) {
      ASSERT_TRUE(plan.pack_b_once);
    }
    if (task.b == GemmBAccess::kStream) {
      ASSERT_TRUE(s.b == GemmBStorage::kPanels && rows < 8);
    }
    if (task.b == GemmBAccess::kPanels) {
      ASSERT_TRUE(s.b == GemmBStorage::kPanels && s.b_panel_width == kGemmNr);
    }
    if (s.a_packed && !plan.pack_a_once) {
      ASSERT_NE(task.b, GemmBAccess::kStream) << "A packed per block needs k blocks";
    }
  }
  for (size_t i = 0; i < covered.size(); ++i) ASSERT_EQ(covered[i], 1) << "element " << i;
  if (!plan.pack_a_once && !plan.pack_b_once) {
    ASSERT_EQ(plan.workspace_bytes, 0u);
  }
  if (plan.pack_a_once) {
    ASSERT_EQ(plan.workspace_bytes, s.m * s.k * sizeof(float));
  }
  if (plan.pack_b_once) {
    ASSERT_GE(plan.workspace_bytes, s.k * s.n * sizeof(float));
  }
}

class GemmPlanCoverTest
    : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t, std::tuple<GemmBStorage, size_t, bool>, size_t>> {};

TEST_P(GemmPlanCoverTest, TasksTileCOnceAndReadBAsStored) {
  const auto [m, n, k, storage, threads] = GetParam();
  const auto [b, width, a_packed] = storage;
  ASSERT_NO_FATAL_FAILURE(expect_tiles_c_once(plan_gemm(shape(m, n, k, b, width, a_packed), kernels(), threads)));
  const GemmPlan serial = plan_gemm_serial(shape(m, n, k, b, width, a_packed));
  EXPECT_TRUE(serial.serial);
  EXPECT_EQ(serial.workspace_bytes, 0u) << "a serial GEMM runs inside a task: it has no op workspace of its own";
  ASSERT_NO_FATAL_FAILURE(expect_tiles_c_once(serial));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmPlanCoverTest,
    ::testing::Combine(::testing::Values(0, 1, 3, 4, 9, 40, 64, 100, 101, 203), ::testing::Values(0, 1, 9, 96, 130, 385, 1000),
                       ::testing::Values(0, 7, 600),
                       ::testing::Values(std::make_tuple(GemmBStorage::kPackedOnly, kGemmNr, false),
                                         std::make_tuple(GemmBStorage::kRows, kGemmNr, false),
                                         std::make_tuple(GemmBStorage::kPanels, kGemmNr, false),
                                         std::make_tuple(GemmBStorage::kPanels, size_t{32}, false),
                                         std::make_tuple(GemmBStorage::kPanels, kGemmNr, true)),
                       ::testing::Values(1, 2, 3)));

TEST(GemmPlanTest, EmptyProblemsHaveNoTasks) {
  EXPECT_EQ(plan_gemm(shape(0, 9, 4, GemmBStorage::kRows), kernels(), 2).task_count(), 0u);
  EXPECT_EQ(plan_gemm(shape(9, 0, 4, GemmBStorage::kRows), kernels(), 2).task_count(), 0u);
}

TEST(GemmPlanTest, BatchOneRowsOverDenseRowsAreAGemvSplitByColumns) {
  const GemmPlan plan = plan_gemm(shape(1, 1000, 256, GemmBStorage::kRows), kernels(), 2);
  EXPECT_EQ(plan.strategy, GemmStrategy::kGemv);
  EXPECT_EQ(plan.task_count(), 2u) << "one column range per thread";
  GemmShape accumulating = shape(1, 1000, 256, GemmBStorage::kRows);
  accumulating.accumulate = true;
  EXPECT_NE(plan_gemm(accumulating, kernels(), 2).strategy, GemmStrategy::kGemv) << "the GEMV kernel cannot add onto C";
  EXPECT_NE(plan_gemm(shape(1, 1000, 256, GemmBStorage::kPackedOnly), kernels(), 2).strategy, GemmStrategy::kGemv);
  EXPECT_NE(plan_gemm(shape(4, 1000, 256, GemmBStorage::kRows), kernels(), 2).strategy, GemmStrategy::kGemv);
}

TEST(GemmPlanTest, SingleRowsStreamThirtyTwoWidePanelsByColumns) {
  const GemmPlan plan = plan_gemm(shape(1, 1000, 768, GemmBStorage::kPanels, 32), kernels(), 2);
  EXPECT_EQ(plan.strategy, GemmStrategy::kColumnTasks);
  EXPECT_EQ(plan.access, GemmBAccess::kStream);
  EXPECT_EQ(plan.cols_per_block % 32, 0u);
  EXPECT_EQ(plan.workspace_bytes, 0u);
}

TEST(GemmPlanTest, SmallImagesPackTheirIm2colOnceAndSplitColumns) {
  // ResNet-18's last 3x3 layers: 7x7 pixels, 512 channels (A 0.9 MiB).
  const GemmPlan plan = plan_gemm(shape(49, 512, 4608, GemmBStorage::kPanels, kGemmNr, true), kernels(), 2);
  EXPECT_EQ(plan.strategy, GemmStrategy::kColumnTasks);
  EXPECT_TRUE(plan.pack_a_once);
  EXPECT_EQ(plan.workspace_bytes, 49u * 4608 * sizeof(float));
  EXPECT_EQ(plan.row_splits, 1u);
  EXPECT_EQ(plan.k_blocks, 9u);
  // 56x56 pixels: A is packed a block of rows at a time inside each task instead.
  const GemmPlan large = plan_gemm(shape(3136, 64, 576, GemmBStorage::kPanels, kGemmNr, true), kernels(), 2);
  EXPECT_EQ(large.strategy, GemmStrategy::kTiles);
  EXPECT_FALSE(large.pack_a_once);
  EXPECT_EQ(large.workspace_bytes, 0u);
  EXPECT_GT(large.row_splits, 1u);
}

TEST(GemmPlanTest, RowsAreSplitOnlyWhenTheyOutnumberColumns) {
  // BERT-base's linears, 128 tokens: N = 768 > M, so each thread reads only its part of the weights.
  EXPECT_EQ(plan_gemm(shape(128, 768, 768, GemmBStorage::kPanels), kernels(), 2).strategy, GemmStrategy::kColumnTasks);
  const GemmPlan narrow = plan_gemm(shape(512, 64, 768, GemmBStorage::kPanels), kernels(), 2);
  EXPECT_EQ(narrow.strategy, GemmStrategy::kTiles);
  EXPECT_GT(narrow.row_splits, 1u);
  EXPECT_EQ(narrow.access, GemmBAccess::kPanels);
}

TEST(GemmPlanTest, FewColumnsArePackedOnceForEveryRowSplit) {
  const GemmPlan two = plan_gemm(shape(400, 130, 300, GemmBStorage::kPackedOnly), kernels(), 2);
  EXPECT_TRUE(two.pack_b_once);
  EXPECT_EQ(two.access, GemmBAccess::kShared);
  EXPECT_EQ(two.workspace_bytes, 300u * 136 * sizeof(float));
  const GemmPlan one = plan_gemm(shape(400, 130, 300, GemmBStorage::kPackedOnly), kernels(), 1);
  EXPECT_FALSE(one.pack_b_once) << "one thread has one row split: nothing to share";
  EXPECT_EQ(one.access, GemmBAccess::kPackBlocks);
  // More columns than that: every row split packs its own blocks, so half as many splits as B
  // read in place gets.
  const GemmPlan wide = plan_gemm(shape(400, 400, 300, GemmBStorage::kPackedOnly), kernels(), 2);
  EXPECT_FALSE(wide.pack_b_once);
  EXPECT_EQ(wide.access, GemmBAccess::kPackBlocks);
  EXPECT_EQ(wide.row_splits, 2u);
  EXPECT_EQ(plan_gemm(shape(400, 400, 300, GemmBStorage::kPanels), kernels(), 2).row_splits, 4u);
}

TEST(GemmPlanTest, RowsTooFewToPackReadBPerPanel) {
  const GemmPlan plan = plan_gemm_serial(shape(5, 130, 64, GemmBStorage::kPackedOnly));
  EXPECT_EQ(plan.access, GemmBAccess::kPerPanel);
  EXPECT_EQ(plan_gemm_serial(shape(8, 130, 64, GemmBStorage::kPackedOnly)).access, GemmBAccess::kPackBlocks);
}

TEST(GemmPlanTest, DepthIsCutIntoEqualBlocks) {
  EXPECT_EQ(plan_gemm(shape(40, 40, 0, GemmBStorage::kRows), kernels(), 1).k_blocks, 1u) << "k = 0 still runs the epilogue";
  EXPECT_EQ(plan_gemm(shape(40, 40, kGemmKc, GemmBStorage::kRows), kernels(), 1).k_blocks, 1u);
  EXPECT_EQ(plan_gemm(shape(40, 40, kGemmKc + 1, GemmBStorage::kRows), kernels(), 1).k_blocks, 2u);
}

// Weights in 8-wide panels of 1 MiB or more are read ahead (they come from L3 or memory in a
// model); smaller ones, dense or packed B, 32-wide panels and the serial plans are not.
TEST(GemmPlanTest, LargeWeightsInPanelsAreReadAhead) {
  EXPECT_TRUE(plan_gemm(shape(128, 3072, 768, GemmBStorage::kPanels), kernels(), 1).read_ahead);
  EXPECT_TRUE(plan_gemm(shape(3136, 256, 1024, GemmBStorage::kPanels), kernels(), 2).read_ahead) << "row splits";
  EXPECT_FALSE(plan_gemm(shape(128, 256, 1023, GemmBStorage::kPanels), kernels(), 1).read_ahead) << "under 1 MiB";
  EXPECT_FALSE(plan_gemm(shape(128, 3072, 768, GemmBStorage::kRows), kernels(), 1).read_ahead);
  EXPECT_FALSE(plan_gemm(shape(2, 3072, 768, GemmBStorage::kPanels, PanelB::kQuadWidth), kernels(), 1).read_ahead);
  EXPECT_FALSE(plan_gemm_serial(shape(128, 3072, 768, GemmBStorage::kPanels)).read_ahead);
}

// gemm_depth_block (O3's tuning) lowers the deepest block; out-of-range values are clamped.
TEST(GemmPlanTest, DepthBlockSetsTheDeepestBlock) {
  for (const auto& [k, depth, blocks] : {std::tuple<size_t, size_t, size_t>{1000, 256, 4}, {1000, 128, 8},
                                         {257, 256, 2}, {256, 256, 1}, {7, 1, 7}, {1000, 0, 1000},
                                         {1000, 4 * kGemmKc, 2}}) {
    GemmShape s = shape(40, 40, k, GemmBStorage::kRows);
    s.depth_block = depth;
    EXPECT_EQ(plan_gemm(s, kernels(), 2).k_blocks, blocks) << k << " deep in blocks of " << depth;
    EXPECT_EQ(plan_gemm_serial(s).k_blocks, blocks) << k << " deep in blocks of " << depth;
  }
}

}  // namespace
}  // namespace wt
