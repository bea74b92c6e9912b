/* wasm-torch C ABI: the only interface the JavaScript package (and Python's native engine)
 * uses. Functions that can fail return 0 / NULL on failure and leave a message for
 * wt_last_error(). Nothing here aborts or throws on bad input. */
#ifndef WASM_TORCH_API_H_
#define WASM_TORCH_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wt_runtime wt_runtime;
typedef struct wt_model wt_model;

/* Message of the last failure on this thread ("" if none). Valid until the next call. */
const char* wt_last_error(void);
int wt_format_version(void);
/* 1 when this build uses SIMD128 (or native SIMD) kernels, 2 with relaxed SIMD. */
int wt_simd_level(void);

/* The operators this runtime implements: name, dtypes and notes of op `index` (NULL if out of range). */
int wt_op_count(void);
const char* wt_op_info(int index, int field); /* field: 0 = name, 1 = dtypes, 2 = notes */

/* 64-byte aligned memory in the runtime's heap (for model bytes and tensors). */
void* wt_alloc(size_t bytes);
void wt_free(void* ptr);
/* Leak checks: buffers from wt_alloc and the runtime's own (models, arenas) not yet freed, and
   the bytes the heap has handed out. Both return to their level once what was loaded is freed. */
size_t wt_live_buffer_count(void);
size_t wt_heap_used_bytes(void);

wt_runtime* wt_runtime_create(int num_threads);
void wt_runtime_destroy(wt_runtime* runtime);
int wt_runtime_thread_count(const wt_runtime* runtime);
/* The microkernels the runtime's models loaded from now on run: on = 1, the scalar references of
   every SIMD kernel (a SIMD build checked against its own reference), 0 the build's best. New
   runtimes start with the references when WASM_TORCH_REFERENCE_KERNELS=1 is in the environment.
   wt_runtime_kernel_isa: "scalar", "simd128" or "relaxed-simd". */
int wt_runtime_set_reference_kernels(wt_runtime* runtime, int on);
const char* wt_runtime_kernel_isa(const wt_runtime* runtime);
/* How its static int8 layers multiply 7-bit inputs: "relaxed" (relaxed SIMD's int8 dot, where the
   engine's is exact), "simd128" (i32x4.dot_i16x8_s) or "scalar". */
const char* wt_runtime_int8_dot(const wt_runtime* runtime);

/* Loads a model from `bytes` (allocated with wt_alloc), taking ownership of them whatever the
 * outcome: weights are used in place. */
wt_model* wt_model_load(wt_runtime* runtime, void* bytes, size_t size);
void wt_model_destroy(wt_model* model);

int wt_model_num_inputs(const wt_model* model);
int wt_model_num_outputs(const wt_model* model);
/* Tensor metadata; `is_output` selects outputs (1) or inputs (0). NULL / -1 if out of range. */
const char* wt_model_tensor_name(const wt_model* model, int is_output, int index);
int wt_model_tensor_dtype(const wt_model* model, int is_output, int index);
int wt_model_tensor_rank(const wt_model* model, int is_output, int index);
const int64_t* wt_model_tensor_shape(const wt_model* model, int is_output, int index);
size_t wt_model_tensor_bytes(const wt_model* model, int is_output, int index);

/* The value of the file's metadata entry `key` (e.g. "output_structure"), or NULL without one. */
const char* wt_model_metadata(const wt_model* model, const char* key);

/* Dynamic shapes. Input shapes above are the example's; output shapes those of the last forward.
 * A symbolic axis's name ("seq", "2*seq"), NULL for a static axis or out of range. */
const char* wt_model_tensor_dim_name(const wt_model* model, int is_output, int index, int axis);
/* The model's symbols (0 when every shape is static): name, and bounds (upper: 1; -1 = none). */
int wt_model_symbol_count(const wt_model* model);
const char* wt_model_symbol_name(const wt_model* model, int index);
double wt_model_symbol_bound(const wt_model* model, int index, int upper);
/* Plans held (one per distinct set of input shapes, the most recent few). */
int wt_model_plan_count(const wt_model* model);

/* Memory of the current plan (activations and scratch), and of the weights. */
size_t wt_model_arena_bytes(const wt_model* model);
size_t wt_model_weight_bytes(const wt_model* model);

/* Copies input `index` in after checking dtype and shape (a symbolic axis may take any value in its
 * bounds; forward() checks the inputs' shapes against each other). Returns 1 on success. */
int wt_model_set_input(wt_model* model, int index, const void* data, size_t bytes, int dtype, int rank,
                       const int64_t* shape);
/* Runs the model on the inputs set. Returns 1 on success. Forwards of one runtime's models may be
 * called from several threads: they run one at a time, each on the whole pool. One model's inputs,
 * forward and outputs belong to one thread at a time. */
int wt_model_forward(wt_model* model);
/* Output data, valid until the next forward. */
const void* wt_model_output_data(const wt_model* model, int index);

/* Operation profiling: on (1) resets and starts per-step wall-time totals, off (0) stops them.
   Steps are the model's nodes in execution order, each named by its op and its module path, with
   the algorithm it runs where it has several (conv2d NHWC: winograd, gemm or indirect; else ""). */
int wt_model_set_profiling(wt_model* model, int on);
int wt_model_step_count(const wt_model* model);
const char* wt_model_step_op(const wt_model* model, int step);
const char* wt_model_step_source(const wt_model* model, int step);
const char* wt_model_step_algorithm(const wt_model* model, int step);
double wt_model_step_total_ms(const wt_model* model, int step);
int wt_model_profiled_runs(const wt_model* model);

#ifdef __cplusplus
}
#endif

#endif /* WASM_TORCH_API_H_ */
