// Reads a model file into a Graph. The file is untrusted: the header is range-checked and
// checksummed, the flatbuffer goes through the FlatBuffers Verifier, and every index, dtype,
// shape and weight range is checked before anything uses it. Constant tensors point into `data`,
// which must outlive the Graph and be aligned to kWeightsAlignment.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "graph/graph.h"

namespace wt {

Result<Graph> load_graph(const uint8_t* data, size_t size);

}  // namespace wt
