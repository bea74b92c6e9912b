// The operator interface. An op is resolved by name at load time; its prepare() checks input
// dtypes/shapes and attributes, computes its outputs, and returns a ready kernel, so a model
// that loads can always run: run() allocates nothing and fails only on data it cannot know at
// load time (reported through RunContext::errors).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "gemm/gemm_plan.h"
#include "graph/graph.h"
#include "kernels/kernel_table.h"
#include "threading/thread_pool.h"

namespace wt {

// The scratch each thread of a model's pool has (ThreadPool::thread_scratch()): the GEMM's packed
// blocks, and the per-thread blocks of attention, Winograd and depthwise rows.
constexpr size_t kOpThreadScratchBytes = kGemmThreadScratchBytes;

struct OutputSpec {
  DType dtype;
  Shape shape;
};

// What ops derive from constant weights when they are prepared (the byte tile's re-laid panels),
// kept by the model and shared by all its plans: a dynamic model prepares its ops again for each
// input shape, and each plan holding its own copy would multiply those bytes by the plans kept.
class DerivedWeights {
 public:
  // The object derived as `kind` from the constant at `weights`, or null when none was stored.
  std::shared_ptr<const void> find(const void* weights, const std::string& kind) const {
    const auto found = items_.find({weights, kind});
    return found == items_.end() ? nullptr : found->second;
  }
  void store(const void* weights, const std::string& kind, std::shared_ptr<const void> item) {
    items_[{weights, kind}] = std::move(item);
  }

 private:
  std::map<std::pair<const void*, std::string>, std::shared_ptr<const void>> items_;
};

struct PrepareContext {
  const Node& node;
  std::vector<const TensorInfo*> inputs;  // nullptr where an optional input was left out
  std::vector<OutputSpec>* outputs;       // prepare() appends one spec per node output
  // The kernels this model runs (its runtime's, taken at load): ops take every microkernel here.
  const KernelTable* kernel_table = &default_kernels();
  // The threads of the pool the model runs on (GEMM plans split work for it).
  size_t threads = 1;
  // The model's derived weights (null: the op keeps what it derives to itself).
  DerivedWeights* derived_weights = nullptr;

  const TensorInfo* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  Status error(const std::string& what) const { return invalid_model(node.describe() + ": " + what); }
  // Errors unless input i exists, has `dtype` and a rank within [min_rank, max_rank].
  Status expect_input(size_t i, DType dtype, size_t min_rank, size_t max_rank) const;
  Status expect_input_count(size_t min_count, size_t max_count) const;
  // Whether the choices O3's kernel tuning recorded on the node (algorithm, gemm_depth_block) apply
  // on this pool: attribute tuned_threads lists the thread counts a choice was faster at, when it
  // was not faster at every count tuning timed (the indirect GEMM on ResNet-18's stride-2 layers:
  // 5-7% faster at one thread, 2-3% at two); without it, every count. Elsewhere the op runs as the
  // heuristic decides.
  Result<bool> tuning_applies() const;
  // The GEMM's deepest k block: attribute gemm_depth_block (O3's kernel tuning records it where a
  // shallower block timed faster) where tuning applies, else kGemmKc.
  Result<size_t> gemm_depth_block() const;
};

// Where a kernel reports a failure that depends on the data (e.g. an index out of range):
// thread-safe, first report wins; forward() then returns it.
class RunErrors {
 public:
  void report(const std::string& message);
  Status take();

 private:
  std::mutex mutex_;
  std::string first_;
};

struct RunContext {
  const void* const* inputs;  // nullptr for left-out optional inputs
  size_t num_inputs;          // optional trailing inputs may be absent from the list entirely
  void* const* outputs;
  ThreadPool* pool;
  RunErrors* errors;
  void* workspace;  // scratch of workspace_bytes(), shared by all ops (they run one at a time)

  const float* in_f32(size_t i) const { return i < num_inputs ? static_cast<const float*>(inputs[i]) : nullptr; }
  float* out_f32(size_t i) const { return static_cast<float*>(outputs[i]); }
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual void run(const RunContext& ctx) const = 0;
  // Scratch memory run() needs (e.g. an im2col buffer); planned once at load time.
  virtual size_t workspace_bytes() const { return 0; }

  // Whether output 0 may live in input 0's bytes; the planner decides at load.
  //   kView: output 0 is input 0's bytes under another shape (reshape): always shared, and run()
  //          has nothing to do.
  //   kInPlace: run() is correct with output 0 written over input in_place_input() (each element
  //          read before its own index is written); shared when that input has the output's size,
  //          dies here and is no other input of the op.
  enum class Aliasing { kNone, kView, kInPlace };
  virtual Aliasing output_aliasing() const { return Aliasing::kNone; }
  // The input a kInPlace output may be written over (a convolution's residual: input 3).
  virtual size_t in_place_input() const { return 0; }
  // How the op runs where it can run more than one way (an NHWC convolution's algorithm: winograd,
  // gemm or indirect), else "". Profiles report it, so O3's tuning knows which candidate is the
  // heuristic's own way.
  virtual const char* algorithm() const { return ""; }
};

struct OpDef {
  const char* name;
  Result<std::unique_ptr<OpKernel>> (*prepare)(const PrepareContext& ctx);
  const char* dtypes;  // for docs/OPERATORS.md
  const char* notes;
};

// Looks up an op by its name in the model file; nullptr when the runtime lacks it.
const OpDef* find_op(const std::string& name);
const std::vector<const OpDef*>& all_ops();

// Builds the OpDefs of an op family from its spec table (each spec has a `name`); the family's
// prepare() finds its spec again by the node's op name.
template <typename Spec, size_t N, typename NotesFn>
std::vector<OpDef> family_defs(const Spec (&specs)[N],
                               Result<std::unique_ptr<OpKernel>> (*prepare)(const PrepareContext&), const char* dtypes,
                               NotesFn notes) {
  std::vector<OpDef> defs;
  for (const Spec& s : specs) defs.push_back({s.name, prepare, dtypes, notes(s)});
  return defs;
}

// Helper: wraps a kernel object as the prepare() result.
template <typename K>
Result<std::unique_ptr<OpKernel>> make_kernel(K kernel) {
  return std::unique_ptr<OpKernel>(new K(std::move(kernel)));
}

}  // namespace wt
