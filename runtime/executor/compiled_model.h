// A loaded, validated model, ready to run. A static model is one ExecutionPlan, built at load. A
// model with dynamic shapes binds its symbols to each forward's input shapes and runs the plan of
// those shapes: built on first use (prepared kernels, planned offsets), then kept among the most
// recently used kMaxPlans, so alternating between a few shapes plans nothing. All plans share one
// arena and one op scratch, grown to the largest plan run: memory is the largest shape's, not
// the sum over shapes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "executor/execution_plan.h"
#include "graph/graph.h"
#include "graph/symbolic.h"
#include "threading/thread_pool.h"

namespace wt {

class CompiledModel {
 public:
  static constexpr size_t kMaxPlans = 8;

  // Takes ownership of the file bytes (weights are used in place). `pool` must outlive the model.
  static Result<std::unique_ptr<CompiledModel>> load(AlignedBytes file, size_t size, ThreadPool* pool,
                                                     const KernelTable& kernels);

  // The graph as the file has it: names, symbols, and shapes at the example's values.
  const Graph& graph() const { return graph_; }
  const TensorInfo& input_info(size_t i) const { return graph_.tensors[graph_.inputs[i]]; }
  // Output i as the last forward made it (before the first: at the example's shapes).
  const TensorInfo& output_info(size_t i) const { return current().graph().tensors[graph_.outputs[i]]; }
  // "seq", "2*seq" for a symbolic axis of input/output i; "" for a static one.
  const std::string& dim_name(bool is_output, size_t i, size_t axis) const;

  // Copies one input in, after checking its dtype and shape against the model's (each symbolic
  // axis within its bounds).
  Status set_input(size_t index, const void* data, size_t bytes, DType dtype, const Shape& shape);
  // Fails on data-dependent errors (e.g. an embedding index out of range) and, with dynamic
  // shapes, on input shapes the model cannot take together; the model keeps working either way.
  Status forward();
  // Valid until the next forward(); the arena is reused.
  const void* output_data(size_t index) const { return current().tensor_data(graph_.outputs[index]); }

  // The activation arena and op scratch (the largest plan's so far): all the memory inference needs
  // besides the file.
  size_t arena_bytes() const { return arena_capacity_ + workspace_capacity_; }
  size_t weight_bytes() const { return weight_bytes_; }
  size_t file_bytes() const { return file_size_; }
  size_t plan_count() const { return plans_.size(); }

  // Operation profiling: while on, forward() adds each step's wall time to its total. Turning it
  // on resets the totals. Off (the default), forward() reads no clock.
  void set_profiling(bool on);
  size_t step_count() const { return graph_.nodes.size(); }
  double step_total_ms(size_t step) const { return step < step_ms_.size() ? step_ms_[step] : 0.0; }
  size_t profiled_runs() const { return profiled_runs_; }
  // How step `step` runs in the plan of the last forward's shapes (OpKernel::algorithm).
  const char* step_algorithm(size_t step) const { return current().step_algorithm(step); }

 private:
  struct CachedPlan {
    std::vector<Shape> input_shapes;
    std::unique_ptr<ExecutionPlan> plan;
  };
  // A dynamic model's input, held until forward() knows which plan it goes to.
  struct StagedInput {
    AlignedBytes data;
    size_t capacity = 0;
    Shape shape;
  };

  const ExecutionPlan& current() const { return *plans_.front().plan; }
  // The plan of these input shapes (the graph as it is for a static model), errors as they come.
  Result<std::unique_ptr<ExecutionPlan>> build_plan(const std::vector<Shape>& input_shapes) const;
  Status check_input(size_t index, DType dtype, const Shape& shape) const;
  // Moves the plan for these input shapes to the front, building it (and evicting the least
  // recently used beyond kMaxPlans) when it is new.
  Status use_plan(const std::vector<Shape>& input_shapes);
  // Points the current plan at the shared arena and scratch, growing them first if it needs more.
  Status bind_current();

  // Float16 linear weights (quantize_for_wasm "fp16") are expanded to f32 once, at load, into
  // buffers of their own (the GEMM's tiles reuse each weight: f32 speed, 1.5x the f32 weights in
  // memory with the file's half bytes), except batch-1 layers' ("panels32"), which the linear op
  // streams in half, unless they hold subnormals: the streaming conversion makes those float
  // subnormals, which x86 multiplies through a microcode assist (15x slower, measured). A weight
  // holding an infinity or NaN is an error: no exporter writes one.
  Status expand_half_linear_weights();

  AlignedBytes file_;
  std::vector<AlignedBytes> expanded_weights_;
  size_t file_size_ = 0;
  Graph graph_;
  ThreadPool* pool_ = nullptr;
  const KernelTable* kernels_ = nullptr;  // its runtime's, at load: every plan of the model uses it
  size_t weight_bytes_ = 0;
  // What ops derived from the weights, shared by every plan (built from const build_plan()).
  mutable DerivedWeights derived_weights_;
  std::vector<SymbolSource> symbol_sources_;
  std::vector<std::vector<std::string>> dim_names_[2];  // [is_output][i][axis]
  std::vector<CachedPlan> plans_;                       // most recently used first; never empty
  AlignedBytes arena_, workspace_;
  size_t arena_capacity_ = 0, workspace_capacity_ = 0;
  const ExecutionPlan* bound_ = nullptr;  // the plan the arena's pointers were last given to
  std::vector<StagedInput> staged_;                     // dynamic models only
  bool profiling_ = false;
  std::vector<double> step_ms_;
  size_t profiled_runs_ = 0;
};

}  // namespace wt
