#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "api/wasm_torch.h"
#include "format/file_header.h"
#include "executor/compiled_model.h"
#include "kernels/kernel_table.h"

struct wt_runtime {
  explicit wt_runtime(int threads) : pool(threads, wt::kOpThreadScratchBytes) {}
  wt::ThreadPool pool;
  const wt::KernelTable* kernels = &wt::default_kernels();  // what models loaded from now on run
  // The pool and its threads' scratch serve one forward at a time: forwards of this runtime's
  // models from several OS threads take turns here.
  std::mutex forward_mutex;
};

struct wt_model {
  wt_runtime* runtime;
  std::unique_ptr<wt::CompiledModel> compiled;
};

namespace {

thread_local std::string g_last_error;

void set_error(const wt::Status& status) {
  g_last_error = std::string(wt::status_code_name(status.code())) + ": " + status.message();
}

int fail(const std::string& message) {
  set_error(wt::invalid_argument(message));
  return 0;
}

const wt::TensorInfo* tensor_at(const wt_model* m, int is_output, int index) {
  if (m == nullptr || index < 0) return nullptr;
  const wt::Graph& g = m->compiled->graph();
  const size_t i = static_cast<size_t>(index);
  if (i >= (is_output ? g.outputs : g.inputs).size()) return nullptr;
  return is_output ? &m->compiled->output_info(i) : &m->compiled->input_info(i);
}

}  // namespace

extern "C" {

const char* wt_last_error(void) { return g_last_error.c_str(); }
int wt_format_version(void) { return static_cast<int>(wt::kFormatVersion); }
int wt_simd_level(void) {
  const char* isa = wt::build_kernels().isa;
  return std::strcmp(isa, "relaxed-simd") == 0 ? 2 : std::strcmp(isa, "simd128") == 0 ? 1 : 0;
}

int wt_op_count(void) { return static_cast<int>(wt::all_ops().size()); }

const char* wt_op_info(int index, int field) {
  if (index < 0 || index >= wt_op_count()) return nullptr;
  const wt::OpDef* op = wt::all_ops()[static_cast<size_t>(index)];
  switch (field) {
    case 0:
      return op->name;
    case 1:
      return op->dtypes;
    case 2:
      return op->notes;
    default:
      return nullptr;
  }
}

void* wt_alloc(size_t bytes) {
  void* p = wt::allocate_aligned(bytes).release();
  if (p == nullptr) set_error(wt::out_of_memory("could not allocate " + std::to_string(bytes) + " bytes"));
  return p;
}

void wt_free(void* ptr) { wt::AlignedFree()(ptr); }

size_t wt_live_buffer_count(void) { return wt::live_buffer_count(); }
size_t wt_heap_used_bytes(void) { return wt::heap_used_bytes(); }

wt_runtime* wt_runtime_create(int num_threads) {
  if (num_threads < 1 || num_threads > 256) {
    fail("thread count must be between 1 and 256, got " + std::to_string(num_threads));
    return nullptr;
  }
  return new wt_runtime(num_threads);
}

void wt_runtime_destroy(wt_runtime* runtime) { delete runtime; }
int wt_runtime_thread_count(const wt_runtime* runtime) { return runtime ? runtime->pool.thread_count() : 0; }

int wt_runtime_set_reference_kernels(wt_runtime* runtime, int on) {
  if (runtime == nullptr) return fail("wt_runtime_set_reference_kernels: runtime is null");
  runtime->kernels = on ? &wt::reference_kernels() : &wt::build_kernels();
  return 1;
}

const char* wt_runtime_kernel_isa(const wt_runtime* runtime) { return runtime ? runtime->kernels->isa : nullptr; }
const char* wt_runtime_int8_dot(const wt_runtime* runtime) {
  if (!runtime) return nullptr;
  const wt::KernelTable& t = *runtime->kernels;
  if (std::strcmp(t.isa, "scalar") == 0) return "scalar";
  return t.qu8_gemm_5x8c4 != nullptr ? "relaxed" : "simd128";
}

wt_model* wt_model_load(wt_runtime* runtime, void* bytes, size_t size) {
  wt::AlignedBytes owned(static_cast<uint8_t*>(bytes));
  if (runtime == nullptr) {
    fail("wt_model_load: runtime is null");
    return nullptr;
  }
  auto compiled = wt::CompiledModel::load(std::move(owned), size, &runtime->pool, *runtime->kernels);
  if (!compiled.is_ok()) {
    set_error(compiled.status());
    return nullptr;
  }
  return new wt_model{runtime, compiled.take()};
}

void wt_model_destroy(wt_model* model) { delete model; }

int wt_model_num_inputs(const wt_model* m) { return m ? static_cast<int>(m->compiled->graph().inputs.size()) : -1; }
int wt_model_num_outputs(const wt_model* m) { return m ? static_cast<int>(m->compiled->graph().outputs.size()) : -1; }

const char* wt_model_tensor_name(const wt_model* m, int is_output, int index) {
  const wt::TensorInfo* t = tensor_at(m, is_output, index);
  return t ? t->name.c_str() : nullptr;
}

int wt_model_tensor_dtype(const wt_model* m, int is_output, int index) {
  const wt::TensorInfo* t = tensor_at(m, is_output, index);
  return t ? static_cast<int>(t->dtype) : -1;
}

int wt_model_tensor_rank(const wt_model* m, int is_output, int index) {
  const wt::TensorInfo* t = tensor_at(m, is_output, index);
  return t ? static_cast<int>(t->shape.size()) : -1;
}

const int64_t* wt_model_tensor_shape(const wt_model* m, int is_output, int index) {
  const wt::TensorInfo* t = tensor_at(m, is_output, index);
  return t ? t->shape.data() : nullptr;
}

size_t wt_model_tensor_bytes(const wt_model* m, int is_output, int index) {
  const wt::TensorInfo* t = tensor_at(m, is_output, index);
  return t ? t->byte_size() : 0;
}

const char* wt_model_tensor_dim_name(const wt_model* m, int is_output, int index, int axis) {
  const wt::TensorInfo* t = tensor_at(m, is_output, index);
  if (t == nullptr || axis < 0 || static_cast<size_t>(axis) >= t->shape.size()) return nullptr;
  const std::string& name = m->compiled->dim_name(is_output != 0, static_cast<size_t>(index), static_cast<size_t>(axis));
  return name.empty() ? nullptr : name.c_str();
}

const char* wt_model_metadata(const wt_model* m, const char* key) {
  if (m == nullptr || key == nullptr) return nullptr;
  for (const auto& [k, v] : m->compiled->graph().metadata) {
    if (k == key) return v.c_str();
  }
  return nullptr;
}

int wt_model_symbol_count(const wt_model* m) { return m ? static_cast<int>(m->compiled->graph().symbols.size()) : -1; }

const char* wt_model_symbol_name(const wt_model* m, int index) {
  if (m == nullptr || index < 0 || index >= wt_model_symbol_count(m)) return nullptr;
  return m->compiled->graph().symbols[static_cast<size_t>(index)].name.c_str();
}

double wt_model_symbol_bound(const wt_model* m, int index, int upper) {
  if (m == nullptr || index < 0 || index >= wt_model_symbol_count(m)) return -1;
  const wt::Symbol& s = m->compiled->graph().symbols[static_cast<size_t>(index)];
  return static_cast<double>(upper ? s.max : s.min);
}

int wt_model_plan_count(const wt_model* m) { return m ? static_cast<int>(m->compiled->plan_count()) : -1; }

size_t wt_model_arena_bytes(const wt_model* m) { return m ? m->compiled->arena_bytes() : 0; }
size_t wt_model_weight_bytes(const wt_model* m) { return m ? m->compiled->weight_bytes() : 0; }

int wt_model_set_input(wt_model* m, int index, const void* data, size_t bytes, int dtype, int rank,
                       const int64_t* shape) {
  if (m == nullptr) return fail("wt_model_set_input: model is null");
  if (index < 0) return fail("input index " + std::to_string(index) + " is negative");
  if (!wt::dtype_is_valid(dtype))
    return fail("input " + std::to_string(index) + ": invalid dtype code " + std::to_string(dtype));
  if (rank < 0 || rank > wt::kMaxRank || (rank > 0 && shape == nullptr)) {
    return fail("input " + std::to_string(index) + ": invalid rank " + std::to_string(rank));
  }
  const wt::Status status = m->compiled->set_input(static_cast<size_t>(index), data, bytes,
                                                   static_cast<wt::DType>(dtype), wt::Shape(shape, shape + rank));
  if (!status.is_ok()) {
    set_error(status);
    return 0;
  }
  return 1;
}

int wt_model_forward(wt_model* m) {
  if (m == nullptr) return fail("wt_model_forward: model is null");
  const std::lock_guard<std::mutex> lock(m->runtime->forward_mutex);
  const wt::Status status = m->compiled->forward();
  if (!status.is_ok()) {
    set_error(status);
    return 0;
  }
  return 1;
}

int wt_model_set_profiling(wt_model* m, int on) {
  if (m == nullptr) return fail("wt_model_set_profiling: model is null");
  m->compiled->set_profiling(on != 0);
  return 1;
}

int wt_model_step_count(const wt_model* m) { return m ? static_cast<int>(m->compiled->step_count()) : 0; }

const char* wt_model_step_op(const wt_model* m, int step) {
  if (m == nullptr || step < 0 || step >= wt_model_step_count(m)) return nullptr;
  return m->compiled->graph().nodes[static_cast<size_t>(step)].op.c_str();
}

const char* wt_model_step_source(const wt_model* m, int step) {
  if (m == nullptr || step < 0 || step >= wt_model_step_count(m)) return nullptr;
  return m->compiled->graph().nodes[static_cast<size_t>(step)].source.c_str();
}

const char* wt_model_step_algorithm(const wt_model* m, int step) {
  if (m == nullptr || step < 0 || step >= wt_model_step_count(m)) return nullptr;
  return m->compiled->step_algorithm(static_cast<size_t>(step));
}

double wt_model_step_total_ms(const wt_model* m, int step) {
  return m && step >= 0 ? m->compiled->step_total_ms(static_cast<size_t>(step)) : 0.0;
}

int wt_model_profiled_runs(const wt_model* m) { return m ? static_cast<int>(m->compiled->profiled_runs()) : 0; }

const void* wt_model_output_data(const wt_model* m, int index) {
  if (m == nullptr || index < 0 || index >= wt_model_num_outputs(m)) return nullptr;
  return m->compiled->output_data(static_cast<size_t>(index));
}

}  // extern "C"
