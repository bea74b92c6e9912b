// One static graph made ready to run: every op's kernel prepared, every activation given its
// offset in one planned arena (weights stay in place in the file buffer), so run() is a loop over
// kernels with no allocation. The arena and the ops' shared scratch belong to the caller, who
// binds a plan to them before running it: a model with dynamic shapes has a plan per distinct set
// of input shapes (CompiledModel keeps the recent ones) and one arena, of the largest plan's size.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/memory.h"
#include "graph/graph.h"
#include "ops/common/op.h"
#include "threading/thread_pool.h"

namespace wt {

// The most a single tensor or the arena may take: half the address space (wasm32 has 4 GiB).
constexpr uint64_t kMaxBufferBytes = SIZE_MAX / 2;

class ExecutionPlan {
 public:
  // Prepares `graph`, whose shapes are all static (bound), with `kernels` for a pool of `threads`,
  // and plans its memory.
  // `derived`: the model's derived weights, shared by its plans (ops/common/op.h).
  static Result<std::unique_ptr<ExecutionPlan>> build(Graph graph, const KernelTable& kernels, size_t threads,
                                                      DerivedWeights* derived);

  const Graph& graph() const { return graph_; }
  // What bind() must be given: the activations' arena, and the ops' shared scratch.
  size_t arena_bytes() const { return arena_bytes_; }
  size_t workspace_bytes() const { return workspace_bytes_; }

  // Points every step at `arena` (arena_bytes(), 64-aligned) and `workspace` (workspace_bytes()).
  void bind(uint8_t* arena, void* workspace);
  // Where tensor `tensor` lives; nullptr before bind().
  void* tensor_data(int tensor) const {
    return static_cast<size_t>(tensor) < tensor_data_.size() ? tensor_data_[static_cast<size_t>(tensor)] : nullptr;
  }
  // How step `step` runs (OpKernel::algorithm), "" past the last.
  const char* step_algorithm(size_t step) const { return step < steps_.size() ? steps_[step].kernel->algorithm() : ""; }
  // After bind(): runs every step; `step_ms` (one per node, or nullptr) adds each step's wall time.
  Status run(ThreadPool* pool, double* step_ms) const;

 private:
  struct Step {
    std::unique_ptr<OpKernel> kernel;
    std::vector<const void*> inputs;
    std::vector<void*> outputs;
  };

  explicit ExecutionPlan(Graph graph) : graph_(std::move(graph)) {}
  static constexpr uint64_t kNotInArena = UINT64_MAX;

  Status prepare_steps(const KernelTable& kernels, size_t threads, DerivedWeights* derived);
  std::vector<int> storage_owners() const;
  Status plan_memory_offsets();

  Graph graph_;
  size_t workspace_bytes_ = 0;
  size_t arena_bytes_ = 0;
  std::vector<uint64_t> arena_offset_;     // per tensor: where its storage lives in the arena, or kNotInArena
  std::vector<const void*> weight_data_;  // per tensor: the weight it is (or is a view of) in the file, or nullptr
  void* workspace_ = nullptr;
  std::vector<void*> tensor_data_;
  std::vector<Step> steps_;
  mutable RunErrors run_errors_;
};

}  // namespace wt
