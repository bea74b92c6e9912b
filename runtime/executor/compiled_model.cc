#include "executor/compiled_model.h"

#include <algorithm>
#include <cstring>

#include "format/model_loader.h"

namespace wt {
namespace {

// "float32[batch, 3, 224, 224]": the shape with each symbolic axis by its name.
std::string spec_to_string(DType dtype, const Shape& shape, const std::vector<std::string>* dim_names = nullptr) {
  std::string text = std::string(dtype_name(dtype)) + "[";
  for (size_t axis = 0; axis < shape.size(); ++axis) {
    if (axis) text += ", ";
    const bool named = dim_names && axis < dim_names->size() && !(*dim_names)[axis].empty();
    text += named ? (*dim_names)[axis] : std::to_string(shape[axis]);
  }
  return text + "]";
}

std::string inputs_to_string(const std::vector<Shape>& shapes) {
  std::string text;
  for (const Shape& s : shapes) text += (text.empty() ? "" : ", ") + shape_to_string(s);
  return text;
}

}  // namespace

Result<std::unique_ptr<CompiledModel>> CompiledModel::load(AlignedBytes file, size_t size, ThreadPool* pool,
                                                          const KernelTable& kernels) {
  std::unique_ptr<CompiledModel> model(new CompiledModel());
  model->kernels_ = &kernels;
  WT_ASSIGN_OR_RETURN(model->graph_, load_graph(file.get(), size));
  model->file_ = std::move(file);
  model->file_size_ = size;
  model->pool_ = pool;
  const Graph& graph = model->graph_;
  for (const TensorInfo& t : graph.tensors) {
    const uint64_t bytes = static_cast<uint64_t>(numel(t.shape)) * dtype_size(t.dtype);
    if (bytes > kMaxBufferBytes) {
      return out_of_memory("tensor " + quote(t.name) + " " + spec_to_string(t.dtype, t.shape) + " needs " +
                           std::to_string(bytes) + " bytes, more than this runtime can address");
    }
    if (t.is_constant) model->weight_bytes_ += bytes;
  }
  WT_RETURN_IF_ERROR(model->expand_half_linear_weights());
  WT_ASSIGN_OR_RETURN(model->symbol_sources_, validate_symbols(graph));
  for (int is_output = 0; is_output < 2; ++is_output) {
    for (int t : is_output ? graph.outputs : graph.inputs) {
      const TensorInfo& info = graph.tensors[static_cast<size_t>(t)];
      std::vector<std::string> names(info.shape.size());
      if (graph.is_dynamic()) {
        const std::vector<DimExpr>& dims = graph.tensor_dims[static_cast<size_t>(t)];
        for (size_t axis = 0; axis < dims.size(); ++axis) {
          if (dims[axis].is_symbolic()) names[axis] = describe_dim(graph, dims, info.shape, axis);
        }
      }
      model->dim_names_[is_output].push_back(std::move(names));
    }
  }
  std::vector<Shape> example_shapes;
  for (size_t i = 0; i < graph.inputs.size(); ++i) example_shapes.push_back(model->input_info(i).shape);
  if (graph.is_dynamic()) {
    // Buffers come with the first set_input: a file's example shapes may be large, and a forward
    // before any set_input runs on zeros.
    for (size_t i = 0; i < graph.inputs.size(); ++i) model->staged_.push_back(StagedInput{nullptr, 0, example_shapes[i]});
  }
  WT_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionPlan> plan, model->build_plan(example_shapes));
  model->plans_.push_back(CachedPlan{example_shapes, std::move(plan)});
  WT_RETURN_IF_ERROR(model->bind_current());
  return model;
}

Status CompiledModel::expand_half_linear_weights() {
  for (const Node& node : graph_.nodes) {
    if (node.op != "linear" || node.inputs.size() < 2 || node.inputs[1] < 0) continue;
    TensorInfo& w = graph_.tensors[static_cast<size_t>(node.inputs[1])];
    if (!w.is_constant || w.dtype != DType::kFloat16) continue;  // (shared weights: expanded once)
    const size_t count = static_cast<size_t>(numel(w.shape));
    const auto* halves = static_cast<const uint16_t*>(w.constant_data);
    bool subnormal = false;
    for (size_t i = 0; i < count; ++i) {
      const uint32_t exponent = halves[i] & 0x7c00u;
      if (exponent == 0x7c00u) {
        return invalid_model("float16 weight " + quote(w.name) + " holds an infinity or NaN at element " +
                             std::to_string(i));
      }
      subnormal |= exponent == 0 && (halves[i] & 0x3ffu) != 0;
    }
    const Result<std::string> layout = node.attributes.get_string("weight_layout", contract::kWeightLayoutNk);
    if (!subnormal && layout.is_ok() && layout.value() == contract::kWeightLayoutPanels32) continue;  // streamed
    AlignedBytes expanded = allocate_aligned(count * sizeof(float));
    if (!expanded) {
      return out_of_memory("expanding the float16 weight " + quote(w.name) + " " + spec_to_string(w.dtype, w.shape) +
                           " to float32 needs " + std::to_string(count * sizeof(float)) + " bytes");
    }
    auto* f32 = reinterpret_cast<float*>(expanded.get());
    kernels_->f16_to_f32(count, halves, f32);
    w.dtype = DType::kFloat32;
    w.constant_data = f32;
    weight_bytes_ += count * sizeof(float);
    expanded_weights_.push_back(std::move(expanded));
  }
  return Status::ok();
}

const std::string& CompiledModel::dim_name(bool is_output, size_t i, size_t axis) const {
  static const std::string kStatic;
  const auto& names = dim_names_[is_output ? 1 : 0];
  return i < names.size() && axis < names[i].size() ? names[i][axis] : kStatic;
}

Status CompiledModel::check_input(size_t index, DType dtype, const Shape& shape) const {
  const TensorInfo& info = input_info(index);
  const std::vector<std::string>& names = dim_names_[0][index];
  const std::string what = "input " + std::to_string(index) + " (" + quote(info.name) + ")";
  bool matches = dtype == info.dtype && shape.size() == info.shape.size();
  for (size_t axis = 0; matches && axis < shape.size(); ++axis) {
    const bool symbolic = !names[axis].empty();
    matches = symbolic ? shape[axis] >= 0 : shape[axis] == info.shape[axis];
  }
  if (!matches) {
    return invalid_argument(what + " expects " + spec_to_string(info.dtype, info.shape, &names) + ", got " +
                            spec_to_string(dtype, shape));
  }
  const Result<int64_t> count = checked_numel(shape);
  if (!count.is_ok()) return invalid_argument(what + ": " + count.status().message());
  if (!graph_.is_dynamic()) return Status::ok();
  const std::vector<DimExpr>& dims = graph_.tensor_dims[static_cast<size_t>(graph_.inputs[index])];
  for (size_t axis = 0; axis < dims.size(); ++axis) {
    const int s = dims[axis].as_symbol();
    if (s < 0) continue;
    WT_RETURN_IF_ERROR(check_bounds(graph_.symbols[static_cast<size_t>(s)], shape[axis],
                                    what + " dimension " + std::to_string(axis)));
  }
  return Status::ok();
}

Status CompiledModel::set_input(size_t index, const void* data, size_t bytes, DType dtype, const Shape& shape) {
  if (index >= graph_.inputs.size()) {
    return invalid_argument("input index " + std::to_string(index) + " is out of range: the model has " +
                            std::to_string(graph_.inputs.size()) + " inputs");
  }
  WT_RETURN_IF_ERROR(check_input(index, dtype, shape));
  const TensorInfo& info = input_info(index);
  const size_t want = static_cast<size_t>(numel(shape)) * dtype_size(dtype);
  if (bytes != want || (bytes && data == nullptr)) {
    return invalid_argument("input " + std::to_string(index) + " (" + quote(info.name) + ") expects " +
                            std::to_string(want) + " bytes of data, got " + std::to_string(bytes));
  }
  if (!graph_.is_dynamic()) {
    if (bytes) std::memcpy(current().tensor_data(graph_.inputs[index]), data, bytes);
    return Status::ok();
  }
  StagedInput& staged = staged_[index];
  if (bytes > staged.capacity) {
    AlignedBytes grown = allocate_aligned(bytes);
    if (!grown) return out_of_memory("could not allocate " + std::to_string(bytes) + " bytes for input " + quote(info.name));
    staged.data = std::move(grown);
    staged.capacity = bytes;
  }
  if (bytes) std::memcpy(staged.data.get(), data, bytes);
  staged.shape = shape;
  return Status::ok();
}

Result<std::unique_ptr<ExecutionPlan>> CompiledModel::build_plan(const std::vector<Shape>& input_shapes) const {
  const auto threads = static_cast<size_t>(pool_->thread_count());
  if (!graph_.is_dynamic()) return ExecutionPlan::build(graph_, *kernels_, threads, &derived_weights_);
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> values, bind_symbols(graph_, symbol_sources_, input_shapes));
  WT_ASSIGN_OR_RETURN(Graph bound, bind_graph(graph_, values));
  return ExecutionPlan::build(std::move(bound), *kernels_, threads, &derived_weights_);
}

Status CompiledModel::use_plan(const std::vector<Shape>& input_shapes) {
  auto found = std::find_if(plans_.begin(), plans_.end(),
                            [&](const CachedPlan& p) { return p.input_shapes == input_shapes; });
  if (found != plans_.end()) {
    std::rotate(plans_.begin(), found, found + 1);
    return Status::ok();
  }
  Result<std::unique_ptr<ExecutionPlan>> plan = build_plan(input_shapes);
  if (!plan.is_ok()) {
    const Status& why = plan.status();
    if (why.code() == StatusCode::kOutOfMemory || why.code() == StatusCode::kInvalidArgument) return why;
    return invalid_argument("the model cannot run on inputs " + inputs_to_string(input_shapes) + ": " + why.message());
  }
  if (plans_.size() >= kMaxPlans) {
    if (plans_.back().plan.get() == bound_) bound_ = nullptr;  // a later plan may get its address
    plans_.pop_back();
  }
  plans_.insert(plans_.begin(), CachedPlan{input_shapes, plan.take()});
  return Status::ok();
}

Status CompiledModel::bind_current() {
  ExecutionPlan& plan = *plans_.front().plan;
  if (plan.arena_bytes() > arena_capacity_) {
    bound_ = nullptr;  // every plan's pointers into the old arena are stale
    arena_.reset();
    arena_ = allocate_aligned(plan.arena_bytes());
    arena_capacity_ = arena_ ? plan.arena_bytes() : 0;
    if (!arena_)
      return out_of_memory("could not allocate the " + std::to_string(plan.arena_bytes()) + "-byte activation arena");
  }
  if (plan.workspace_bytes() > workspace_capacity_) {
    bound_ = nullptr;
    workspace_.reset();
    workspace_ = allocate_aligned(plan.workspace_bytes());
    workspace_capacity_ = workspace_ ? plan.workspace_bytes() : 0;
    if (!workspace_)
      return out_of_memory("could not allocate " + std::to_string(plan.workspace_bytes()) + " bytes of op scratch");
  }
  if (bound_ != &plan) {
    plan.bind(arena_.get(), workspace_.get());
    bound_ = &plan;
  }
  return Status::ok();
}

void CompiledModel::set_profiling(bool on) {
  profiling_ = on;
  step_ms_.assign(on ? graph_.nodes.size() : 0, 0.0);
  profiled_runs_ = 0;
}

Status CompiledModel::forward() {
  if (graph_.is_dynamic()) {
    std::vector<Shape> shapes;
    for (const StagedInput& s : staged_) shapes.push_back(s.shape);
    WT_RETURN_IF_ERROR(use_plan(shapes));
    WT_RETURN_IF_ERROR(bind_current());
    for (size_t i = 0; i < staged_.size(); ++i) {
      const size_t bytes = static_cast<size_t>(numel(staged_[i].shape)) * dtype_size(input_info(i).dtype);
      void* slot = current().tensor_data(graph_.inputs[i]);
      if (bytes && staged_[i].data) std::memcpy(slot, staged_[i].data.get(), bytes);
      if (bytes && !staged_[i].data) std::memset(slot, 0, bytes);
    }
  }
  if (profiling_) ++profiled_runs_;
  return current().run(pool_, profiling_ ? step_ms_.data() : nullptr);
}

}  // namespace wt
