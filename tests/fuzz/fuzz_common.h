// What every harness does with one input: treat it as a model file from an attacker, load it
// through the C ABI, read back everything a host reads and, when asked, run it. The runtime
// must answer each input with a model or an error message; the sanitizers watch the rest.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "api/wasm_torch.h"
#include "format/file_header.h"

namespace wt::fuzz {

// Forwards are skipped for models planning more than this: a fuzzed graph of small tensors
// still reaches every op's code, and one of large tensors would only spend the time budget.
constexpr size_t kMaxForwardArenaBytes = size_t{4} << 20;
constexpr int64_t kMaxInputElements = int64_t{1} << 18;

inline wt_runtime* shared_runtime() {
  static wt_runtime* runtime = wt_runtime_create(1);
  return runtime;
}

// The file as the runtime gets it: in wt_alloc memory (which the load takes over), its CRC
// recomputed so that mutations reach the checks behind the checksum.
inline wt_model* load_resealed(const uint8_t* data, size_t size) {
  void* bytes = wt_alloc(size == 0 ? 1 : size);
  if (bytes == nullptr) return nullptr;
  if (size > 0) std::memcpy(bytes, data, size);
  if (size >= kHeaderSize) {
    auto* file = static_cast<uint8_t*>(bytes);
    const uint32_t crc = crc32_ieee(file + kHeaderSize, size - kHeaderSize);
    std::memcpy(file + 48, &crc, sizeof(crc));
  }
  wt_model* model = wt_model_load(shared_runtime(), bytes, size);
  if (model == nullptr && std::strlen(wt_last_error()) == 0) __builtin_trap();  // an error must say why
  return model;
}

// Everything the JS and Python hosts read after a load.
inline void read_metadata(const wt_model* m) {
  for (int is_output = 0; is_output < 2; ++is_output) {
    const int count = is_output ? wt_model_num_outputs(m) : wt_model_num_inputs(m);
    for (int i = 0; i < count; ++i) {
      volatile size_t sink = std::strlen(wt_model_tensor_name(m, is_output, i));
      sink += static_cast<size_t>(wt_model_tensor_dtype(m, is_output, i)) + wt_model_tensor_bytes(m, is_output, i);
      const int rank = wt_model_tensor_rank(m, is_output, i);
      const int64_t* shape = wt_model_tensor_shape(m, is_output, i);
      for (int a = 0; a < rank; ++a) {
        sink += static_cast<size_t>(shape[a]);
        const char* dim = wt_model_tensor_dim_name(m, is_output, i, a);
        if (dim) sink += std::strlen(dim);
      }
    }
  }
  for (int s = 0; s < wt_model_symbol_count(m); ++s) {
    volatile size_t name = std::strlen(wt_model_symbol_name(m, s));
    volatile double bounds = wt_model_symbol_bound(m, s, 0) + wt_model_symbol_bound(m, s, 1);
    (void)name, (void)bounds;
  }
  volatile size_t sink = wt_model_arena_bytes(m) + wt_model_weight_bytes(m);
  (void)sink;
}

// Input values: small integers (valid and invalid indices for embeddings and gathers) and floats
// with the odd NaN and infinity.
inline std::vector<uint8_t> input_data(int dtype, int64_t count, std::minstd_rand& rng) {
  const size_t element = dtype == 0 || dtype == 3 ? 4 : dtype == 1 ? 2 : dtype == 2 ? 8 : 1;
  std::vector<uint8_t> bytes(static_cast<size_t>(count) * element);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t small = static_cast<int64_t>(rng() % 9) - 2;
    uint8_t* at = bytes.data() + i * element;
    if (dtype == 0) {
      const uint32_t pick = rng() % 64;
      const float v = pick == 0 ? NAN : pick == 1 ? INFINITY : static_cast<float>(small) * 0.75f;
      std::memcpy(at, &v, 4);
    } else if (dtype == 2) {
      std::memcpy(at, &small, 8);
    } else if (dtype == 3) {
      const int32_t v = static_cast<int32_t>(small);
      std::memcpy(at, &v, 4);
    } else {
      std::memcpy(at, &small, element);
    }
  }
  return bytes;
}

// Sets every input at `shapes` (or the declared shape where shapes[i] is empty) and runs once.
inline void forward_once(wt_model* m, const std::vector<std::vector<int64_t>>& shapes, std::minstd_rand& rng) {
  const int inputs = wt_model_num_inputs(m);
  for (int i = 0; i < inputs; ++i) {
    std::vector<int64_t> shape = shapes[static_cast<size_t>(i)];
    if (shape.empty()) {
      const int64_t* declared = wt_model_tensor_shape(m, 0, i);
      shape.assign(declared, declared + wt_model_tensor_rank(m, 0, i));
    }
    int64_t count = 1;
    for (int64_t d : shape) {
      if (d < 0 || d > kMaxInputElements || (count *= d) > kMaxInputElements) return;
    }
    const int dtype = wt_model_tensor_dtype(m, 0, i);
    const std::vector<uint8_t> data = input_data(dtype, count, rng);
    if (!wt_model_set_input(m, i, data.data(), data.size(), dtype, static_cast<int>(shape.size()), shape.data())) {
      if (std::strlen(wt_last_error()) == 0) __builtin_trap();
      return;
    }
  }
  if (!wt_model_forward(m)) {
    if (std::strlen(wt_last_error()) == 0) __builtin_trap();
    return;
  }
  for (int o = 0; o < wt_model_num_outputs(m); ++o) {
    const auto* out = static_cast<const uint8_t*>(wt_model_output_data(m, o));
    const size_t bytes = wt_model_tensor_bytes(m, 1, o);
    volatile uint8_t sink = 0;
    if (out && bytes) sink = static_cast<uint8_t>(out[0] ^ out[bytes - 1]);  // ASan checks both ends
    (void)sink;
  }
}

// Runs at the declared shapes, then with every dynamic axis at its symbol's lower bound.
inline void forward_at_declared_and_bound_shapes(wt_model* m, uint32_t seed) {
  if (wt_model_arena_bytes(m) > kMaxForwardArenaBytes) return;
  std::minstd_rand rng(seed | 1);
  const size_t inputs = static_cast<size_t>(wt_model_num_inputs(m));
  forward_once(m, std::vector<std::vector<int64_t>>(inputs), rng);
  if (wt_model_symbol_count(m) == 0) return;
  std::vector<std::vector<int64_t>> shapes(inputs);
  for (size_t i = 0; i < inputs; ++i) {
    const int index = static_cast<int>(i);
    const int64_t* declared = wt_model_tensor_shape(m, 0, index);
    shapes[i].assign(declared, declared + wt_model_tensor_rank(m, 0, index));
    for (size_t a = 0; a < shapes[i].size(); ++a) {
      const char* dim = wt_model_tensor_dim_name(m, 0, index, static_cast<int>(a));
      for (int s = 0; dim && s < wt_model_symbol_count(m); ++s) {
        if (std::strcmp(dim, wt_model_symbol_name(m, s)) == 0) shapes[i][a] = static_cast<int64_t>(wt_model_symbol_bound(m, s, 0));
      }
    }
  }
  forward_once(m, shapes, rng);
}

inline int run_input(const uint8_t* data, size_t size, bool forward) {
  wt_model* m = load_resealed(data, size);
  if (m == nullptr) return 0;
  read_metadata(m);
  if (forward) forward_at_declared_and_bound_shapes(m, crc32_ieee(data, size));
  wt_model_destroy(m);
  return 0;
}

}  // namespace wt::fuzz
