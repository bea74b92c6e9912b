// Harness (a): a model file through load alone (header, flatbuffer, segments, graph checks,
// symbols, planning) and the metadata a host reads back.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return wt::fuzz::run_input(data, size, /*forward=*/false);
}
