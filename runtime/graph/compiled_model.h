// A loaded, validated and planned model, ready to run. Built once at load: every op's kernel is
// prepared, every tensor has its address (weights in place in the file buffer, activations in
// the planned arena), so forward() is a loop over kernels with no allocation.
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

class CompiledModel {
 public:
  // Takes ownership of the file bytes (weights are used in place). `pool` must outlive the model.
  static Result<std::unique_ptr<CompiledModel>> load(AlignedBytes file, size_t size, ThreadPool* pool);

  const Graph& graph() const { return graph_; }
  const TensorInfo& input_info(size_t i) const { return graph_.tensors[graph_.inputs[i]]; }
  const TensorInfo& output_info(size_t i) const { return graph_.tensors[graph_.outputs[i]]; }

  // Copies one input in, after checking its dtype and shape against the model's.
  Status set_input(size_t index, const void* data, size_t bytes, DType dtype, const Shape& shape);
  // Fails only on data-dependent errors (e.g. an embedding index out of range).
  Status forward();
  // Valid until the next forward(); the arena is reused.
  const void* output_data(size_t index) const { return tensor_data_[graph_.outputs[index]]; }

  // Activations plus the ops' shared scratch: all the memory inference needs besides weights.
  size_t arena_bytes() const { return arena_bytes_ + workspace_bytes_; }
  size_t weight_bytes() const { return weight_bytes_; }
  size_t file_bytes() const { return file_size_; }

  // Operation profiling: while on, forward() adds each step's wall time to its total. Turning it
  // on resets the totals. Off (the default), forward() reads no clock.
  void set_profiling(bool on);
  size_t step_count() const { return steps_.size(); }
  double step_total_ms(size_t step) const { return step < step_ms_.size() ? step_ms_[step] : 0.0; }
  size_t profiled_runs() const { return profiled_runs_; }

 private:
  struct Step {
    std::unique_ptr<OpKernel> kernel;
    std::vector<const void*> inputs;
    std::vector<void*> outputs;
  };

  Status prepare_steps();
  std::vector<int> storage_owners() const;
  Status plan_and_bind();

  AlignedBytes file_;
  size_t file_size_ = 0;
  Graph graph_;
  ThreadPool* pool_ = nullptr;
  AlignedBytes arena_;
  AlignedBytes workspace_;
  size_t workspace_bytes_ = 0;
  size_t arena_bytes_ = 0;
  size_t weight_bytes_ = 0;
  std::vector<void*> tensor_data_;
  std::vector<Step> steps_;
  RunErrors run_errors_;
  bool profiling_ = false;
  std::vector<double> step_ms_;
  size_t profiled_runs_ = 0;
};

}  // namespace wt
