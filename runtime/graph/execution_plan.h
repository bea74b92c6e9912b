// One static graph made ready to run: every op's kernel prepared, every tensor given its address
// (weights in place in the file buffer, activations in one planned arena), so run() is a loop over
// kernels with no allocation. A static model has one plan; a model with dynamic shapes one per
// distinct set of input shapes (CompiledModel keeps the recent ones).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "graph/graph.h"
#include "ops/op.h"
#include "threading/thread_pool.h"

namespace wt {

struct AlignedFree {
  void operator()(void* p) const;
};
using AlignedBytes = std::unique_ptr<uint8_t, AlignedFree>;

// Returns nullptr when the allocation fails; bytes may be 0.
AlignedBytes allocate_aligned(size_t bytes);

// The most a single tensor or the arena may take: half the address space (wasm32 has 4 GiB).
constexpr uint64_t kMaxBufferBytes = SIZE_MAX / 2;

class ExecutionPlan {
 public:
  // Prepares and plans `graph`, whose shapes are all static (bound).
  static Result<std::unique_ptr<ExecutionPlan>> build(Graph graph);

  const Graph& graph() const { return graph_; }
  void* tensor_data(int tensor) const { return tensor_data_[static_cast<size_t>(tensor)]; }
  // Activations plus the ops' shared scratch.
  size_t arena_bytes() const { return arena_bytes_ + workspace_bytes_; }

  // Runs every step; `step_ms` (one per node, or nullptr) accumulates each step's wall time.
  Status run(ThreadPool* pool, double* step_ms) const;

 private:
  struct Step {
    std::unique_ptr<OpKernel> kernel;
    std::vector<const void*> inputs;
    std::vector<void*> outputs;
  };

  explicit ExecutionPlan(Graph graph) : graph_(std::move(graph)) {}
  Status prepare_steps();
  std::vector<int> storage_owners() const;
  Status plan_and_bind();

  Graph graph_;
  AlignedBytes arena_;
  AlignedBytes workspace_;
  size_t workspace_bytes_ = 0;
  size_t arena_bytes_ = 0;
  std::vector<void*> tensor_data_;
  std::vector<Step> steps_;
  mutable RunErrors run_errors_;
};

}  // namespace wt
