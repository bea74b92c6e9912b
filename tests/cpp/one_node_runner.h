// Loads and runs one-node models (model_builder.h) through the C ABI, as a user of the runtime.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "api/wasm_torch.h"
#include "model_builder.h"

namespace wt::testing {

// The one-node model loaded on `rt` (the loader owns the bytes), or null with wt_last_error().
inline wt_model* load_one_node(wt_runtime* rt, const OneNodeModel& model) {
  const std::vector<uint8_t> file = build_one_node_model(model);
  void* buf = wt_alloc(file.size());
  std::memcpy(buf, file.data(), file.size());
  return wt_model_load(rt, buf, file.size());
}

// The one-node model's output bytes on input bytes x (of the model's input dtype) at `threads`
// threads, with this build's kernels and, when `references`, again with the scalar references
// (which carry the byte tile): one output each. Empty (after a test failure) when the model does
// not load or run.
inline std::vector<std::vector<uint8_t>> run_one_node_bytes(const OneNodeModel& model, const void* x, size_t x_bytes,
                                                            int threads, bool references) {
  std::vector<std::vector<uint8_t>> outputs;
  const size_t out_element = model.output_dtype == ::wasm_torch::schema::DType_uint8 ? 1 : 4;
  for (int reference = 0; reference < (references ? 2 : 1); ++reference) {
    wt_runtime* rt = wt_runtime_create(threads);
    wt_runtime_set_reference_kernels(rt, reference);
    wt_model* loaded = load_one_node(rt, model);
    EXPECT_NE(loaded, nullptr) << wt_last_error();
    const bool ran = loaded &&
                     wt_model_set_input(loaded, 0, x, x_bytes, static_cast<int>(model.input_dtype),
                                        static_cast<int>(model.input_shape.size()), model.input_shape.data()) &&
                     wt_model_forward(loaded);
    EXPECT_TRUE(ran) << wt_last_error();
    if (ran) {
      const auto* out = static_cast<const uint8_t*>(wt_model_output_data(loaded, 0));
      size_t count = out_element;
      for (int64_t d : model.output_shape) count *= static_cast<size_t>(d);
      outputs.emplace_back(out, out + count);
    }
    wt_model_destroy(loaded);
    wt_runtime_destroy(rt);
  }
  return outputs;
}

// As run_one_node_bytes, for a float32 model.
inline std::vector<std::vector<float>> run_one_node(const OneNodeModel& model, const std::vector<float>& x,
                                                    int threads, bool references) {
  std::vector<std::vector<float>> outputs;
  for (const auto& bytes : run_one_node_bytes(model, x.data(), x.size() * 4, threads, references)) {
    outputs.emplace_back(bytes.size() / 4);
    if (!bytes.empty()) std::memcpy(outputs.back().data(), bytes.data(), bytes.size());
  }
  return outputs;
}

}  // namespace wt::testing
