// The link unit of the wasm module and the native shared library: the C ABI lives in the
// runtime library (api/c_api.cc); this file only anchors it so the linker keeps it.
#include "api/wasm_torch.h"

extern "C" int wt_entry_anchor(void) { return wt_format_version(); }
