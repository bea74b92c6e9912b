#include "executor/execution_plan.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "executor/memory_planner.h"

namespace wt {
namespace {

std::string spec_to_string(DType dtype, const Shape& shape) {
  return std::string(dtype_name(dtype)) + shape_to_string(shape);
}

}  // namespace

Result<std::unique_ptr<ExecutionPlan>> ExecutionPlan::build(Graph graph, const KernelTable& kernels, size_t threads,
                                                            DerivedWeights* derived) {
  std::unique_ptr<ExecutionPlan> plan(new ExecutionPlan(std::move(graph)));
  WT_RETURN_IF_ERROR(plan->prepare_steps(kernels, threads, derived));
  WT_RETURN_IF_ERROR(plan->plan_memory_offsets());
  return plan;
}

Status ExecutionPlan::prepare_steps(const KernelTable& kernels, size_t threads, DerivedWeights* derived) {
  for (const Node& node : graph_.nodes) {
    const OpDef* op = find_op(node.op);
    if (op == nullptr) return unsupported(node.describe() + ": this runtime has no operator " + quote(node.op));
    std::vector<OutputSpec> specs;
    PrepareContext ctx{node, {}, &specs, &kernels, threads, derived};
    for (int in : node.inputs) ctx.inputs.push_back(in == kNoTensor ? nullptr : &graph_.tensors[in]);
    WT_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel, op->prepare(ctx));
    if (specs.size() != node.outputs.size()) {
      return invalid_model(node.describe() + " has " + std::to_string(node.outputs.size()) + " outputs, the op makes " +
                           std::to_string(specs.size()));
    }
    for (size_t o = 0; o < specs.size(); ++o) {
      const TensorInfo& declared = graph_.tensors[node.outputs[o]];
      if (declared.dtype != specs[o].dtype || declared.shape != specs[o].shape) {
        return invalid_model(node.describe() + ": output " + quote(declared.name) + " is declared " +
                             spec_to_string(declared.dtype, declared.shape) + " but the op computes " +
                             spec_to_string(specs[o].dtype, specs[o].shape));
      }
    }
    workspace_bytes_ = std::max(workspace_bytes_, kernel->workspace_bytes());
    steps_.push_back(Step{std::move(kernel), {}, {}});
  }
  if (workspace_bytes_ > kMaxBufferBytes)
    return out_of_memory("an op needs " + std::to_string(workspace_bytes_) + " bytes of scratch");
  return Status::ok();
}

// Which tensor's bytes each tensor lives in (its own, mostly). Views share their input's always;
// an in-place op's output takes over its input's when that input dies at the op, is the same size,
// and is not a model input (the caller's data must survive forward()). Tensors are written once,
// by their producer, so a shared buffer is never written while a sharer still reads it.
std::vector<int> ExecutionPlan::storage_owners() const {
  const int step_count = static_cast<int>(graph_.nodes.size());
  auto aliasing = [&](int s) { return steps_[s].kernel->output_aliasing(); };
  std::vector<int> owner(graph_.tensors.size());
  auto own_bytes = [&] {
    for (size_t t = 0; t < owner.size(); ++t) owner[t] = static_cast<int>(t);
  };
  // Pass 1, views only: when each buffer is last read (a view's readers count for its input).
  own_bytes();
  for (int s = 0; s < step_count; ++s) {
    if (aliasing(s) == OpKernel::Aliasing::kView) owner[graph_.nodes[s].outputs[0]] = owner[graph_.nodes[s].inputs[0]];
  }
  std::vector<int> last_use(owner.size(), -1);
  for (int s = 0; s < step_count; ++s) {
    for (int in : graph_.nodes[s].inputs) {
      if (in != kNoTensor) last_use[owner[in]] = s;
    }
  }
  for (int out : graph_.outputs) last_use[owner[out]] = step_count;
  for (int in : graph_.inputs) last_use[owner[in]] = step_count;  // never written over
  // Pass 2, in step order: views and in-place outputs take their input's final owner, so views of
  // an in-place output made later follow it.
  own_bytes();
  for (int s = 0; s < step_count; ++s) {
    const Node& node = graph_.nodes[s];
    if (aliasing(s) == OpKernel::Aliasing::kView) {
      owner[node.outputs[0]] = owner[node.inputs[0]];
      continue;
    }
    const size_t over = steps_[s].kernel->in_place_input();
    if (aliasing(s) != OpKernel::Aliasing::kInPlace || over >= node.inputs.size() || node.inputs[over] == kNoTensor) {
      continue;
    }
    const int from = owner[node.inputs[over]], out = node.outputs[0];
    const TensorInfo& freed = graph_.tensors[from];
    if (freed.is_constant || last_use[from] != s || freed.byte_size() != graph_.tensors[out].byte_size()) continue;
    // Read by the op through another input too (conv2d(x) + x): not safe to write over.
    const bool read_twice = std::count_if(node.inputs.begin(), node.inputs.end(),
                                          [&](int in) { return in != kNoTensor && owner[in] == from; }) > 1;
    if (read_twice) continue;
    owner[out] = from;
    last_use[from] = last_use[out];  // out's readers, its views' included (pass 1)
  }
  return owner;
}

Status ExecutionPlan::plan_memory_offsets() {
  const int step_count = static_cast<int>(graph_.nodes.size());
  const std::vector<int> owner = storage_owners();
  std::vector<BufferRequest> requests;
  std::vector<int> request_of(graph_.tensors.size(), -1);
  // The request of tensor t's storage; nullptr for weights (they stay in the file buffer).
  auto request = [&](int t, int step) -> BufferRequest* {
    const int o = owner[t];
    if (graph_.tensors[o].is_constant) return nullptr;
    if (request_of[o] < 0) {
      request_of[o] = static_cast<int>(requests.size());
      requests.push_back({graph_.tensors[o].byte_size(), step, step});
    }
    return &requests[request_of[o]];
  };
  for (int in : graph_.inputs) request(in, -1);
  for (int s = 0; s < step_count; ++s) {
    for (int out : graph_.nodes[s].outputs) request(out, s);
    for (int in : graph_.nodes[s].inputs) {
      if (in == kNoTensor) continue;
      if (BufferRequest* r = request(in, s)) r->last_step = s;
    }
  }
  // Outputs are read after the last step; inputs stay whole too, so a forward may run again on the
  // inputs set once (Model.benchmark does): reused after their last reader, gpt2_style's token ids
  // were written over by a later activation and its second forward read garbage indices.
  for (int t : graph_.outputs) {
    if (BufferRequest* r = request(t, -1)) r->last_step = step_count;
  }
  for (int t : graph_.inputs) {
    if (BufferRequest* r = request(t, -1)) r->last_step = step_count;
  }

  const MemoryPlan plan = plan_memory(requests);
  if (plan.arena_bytes > kMaxBufferBytes) {
    return out_of_memory("the activations need a " + std::to_string(plan.arena_bytes) +
                         "-byte arena, more than this runtime can address");
  }
  arena_bytes_ = static_cast<size_t>(plan.arena_bytes);
  arena_offset_.assign(graph_.tensors.size(), kNotInArena);
  weight_data_.assign(graph_.tensors.size(), nullptr);
  for (size_t t = 0; t < graph_.tensors.size(); ++t) {
    const TensorInfo& storage = graph_.tensors[static_cast<size_t>(owner[t])];
    if (storage.is_constant) {
      weight_data_[t] = storage.constant_data;  // a weight, or a view of one
    } else if (request_of[owner[t]] >= 0) {
      arena_offset_[t] = plan.offsets[request_of[owner[t]]];
    }
  }
  for (int s = 0; s < step_count; ++s) {
    steps_[s].inputs.assign(graph_.nodes[s].inputs.size(), nullptr);
    steps_[s].outputs.assign(graph_.nodes[s].outputs.size(), nullptr);
  }
  return Status::ok();
}

void ExecutionPlan::bind(uint8_t* arena, void* workspace) {
  workspace_ = workspace;
  tensor_data_.assign(graph_.tensors.size(), nullptr);
  for (size_t t = 0; t < graph_.tensors.size(); ++t) {
    tensor_data_[t] = arena_offset_[t] != kNotInArena ? arena + arena_offset_[t] : const_cast<void*>(weight_data_[t]);
  }
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Node& node = graph_.nodes[s];
    for (size_t k = 0; k < node.inputs.size(); ++k)
      steps_[s].inputs[k] = node.inputs[k] == kNoTensor ? nullptr : tensor_data_[static_cast<size_t>(node.inputs[k])];
    for (size_t k = 0; k < node.outputs.size(); ++k) steps_[s].outputs[k] = tensor_data_[static_cast<size_t>(node.outputs[k])];
  }
}

Status ExecutionPlan::run(ThreadPool* pool, double* step_ms) const {
  using Clock = std::chrono::steady_clock;
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    const Clock::time_point start = step_ms ? Clock::now() : Clock::time_point{};
    step.kernel->run(
        RunContext{step.inputs.data(), step.inputs.size(), step.outputs.data(), pool, &run_errors_, workspace_});
    if (step_ms) step_ms[s] += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    Status status = run_errors_.take();
    if (!status.is_ok()) return invalid_argument(graph_.nodes[s].describe() + ": " + status.message());
  }
  return Status::ok();
}

}  // namespace wt
