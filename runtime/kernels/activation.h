// Fused output clamping, applied by GEMM/conv epilogues: relu = [0, inf), relu6 = [0, 6].
#pragma once

#include <limits>

namespace wt {

struct F32MinMax {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

inline float clamp_minmax(float v, F32MinMax p) { return v < p.min ? p.min : (v > p.max ? p.max : v); }

}  // namespace wt
