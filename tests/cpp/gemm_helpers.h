// What the GEMM tests share: epilogue clamps, and running a GEMM as an op does (plan it for the
// pool, give the plan its workspace, run it).
#pragma once

#include <vector>

#include "gemm/gemm_driver.h"

namespace wt::testing {

// The epilogue's clamp by index: 0 none, 1 ReLU, 2 [0, 0.25].
inline F32MinMax gemm_activation(int act) {
  F32MinMax mm;
  if (act >= 1) mm.min = 0.f;
  if (act == 2) mm.max = 0.25f;
  return mm;
}

// Plans `shape` for the pool, gives the plan its workspace and runs it.
inline void plan_and_run_gemm(const GemmShape& shape, GemmArgs args, const GemmBSource& b, ThreadPool& pool) {
  const GemmPlan plan = plan_gemm(shape, *args.kernels, static_cast<size_t>(pool.thread_count()));
  std::vector<float> workspace(plan.workspace_bytes / sizeof(float));
  args.workspace = workspace.data();
  run_gemm(plan, args, b, pool);
}

}  // namespace wt::testing
