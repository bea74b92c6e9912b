// Harness (b): a model file loaded and run with inputs of its declared shapes, then with its
// dynamic axes at their lower bounds.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return wt::fuzz::run_input(data, size, /*forward=*/true);
}
