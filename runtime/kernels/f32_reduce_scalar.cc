#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/f32_reduce.h"

namespace wt {

namespace {

// One output: combines base[index(r)] for r < count. `index` is the identity for contiguous
// reductions (global pooling, last-dim sums) and StridedSpace::offset otherwise.
template <typename Index>
float reduce_one(const ReduceGeometry& g, const float* base, size_t count, Index index) {
  double acc = g.op == ReduceOp::kMax   ? -std::numeric_limits<double>::infinity()
               : g.op == ReduceOp::kMin ? std::numeric_limits<double>::infinity()
               : g.op == ReduceOp::kProd ? 1.0
                                         : 0.0;
  double mean = 0.0;
  if (g.op == ReduceOp::kVar) {  // two passes: exact enough in double
    for (size_t r = 0; r < count; ++r) mean += base[index(r)];
    mean /= static_cast<double>(count);
  }
  for (size_t r = 0; r < count; ++r) {
    const double v = base[index(r)];
    switch (g.op) {
      case ReduceOp::kSum:
      case ReduceOp::kMean:
        acc += v;
        break;
      case ReduceOp::kMax:
        acc = (v > acc || v != v) ? v : acc;
        break;
      case ReduceOp::kMin:
        acc = (v < acc || v != v) ? v : acc;
        break;
      case ReduceOp::kVar:
        acc += (v - mean) * (v - mean);
        break;
      case ReduceOp::kProd:
        acc *= v;
        break;
    }
  }
  if (g.op == ReduceOp::kMean) acc /= static_cast<double>(count);
  if (g.op == ReduceOp::kVar) {
    acc /= std::fmax(static_cast<double>(count) - g.correction, 0.0);
    if (g.take_sqrt) acc = std::sqrt(acc);
  }
  return static_cast<float>(acc);
}

}  // namespace

void f32_reduce_scalar(const ReduceGeometry& g, const float* x, float* y, size_t out_begin, size_t out_end) {
  const size_t count = g.reduced.count();
  const bool contiguous = g.reduced.is_contiguous();
  for (size_t o = out_begin; o < out_end; ++o) {
    const float* base = x + g.kept.offset(o);
    y[o] = contiguous ? reduce_one(g, base, count, [](size_t r) { return r; })
                      : reduce_one(g, base, count, [&](size_t r) { return g.reduced.offset(r); });
  }
}

void i64_reduce_scalar(const ReduceGeometry& g, const int64_t* x, int64_t* y, size_t out_begin, size_t out_end) {
  const size_t count = g.reduced.count();
  for (size_t o = out_begin; o < out_end; ++o) {
    const int64_t* base = x + g.kept.offset(o);
    // Sums and products wrap (in uint64), as PyTorch's int64 arithmetic does.
    uint64_t acc = g.op == ReduceOp::kProd ? 1 : 0;
    int64_t extreme = g.op == ReduceOp::kMax ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    for (size_t r = 0; r < count; ++r) {
      const int64_t v = base[g.reduced.offset(r)];
      if (g.op == ReduceOp::kSum) acc += static_cast<uint64_t>(v);
      if (g.op == ReduceOp::kProd) acc *= static_cast<uint64_t>(v);
      if (g.op == ReduceOp::kMax) extreme = std::max(extreme, v);
      if (g.op == ReduceOp::kMin) extreme = std::min(extreme, v);
    }
    y[o] = g.op == ReduceOp::kMax || g.op == ReduceOp::kMin ? extreme : static_cast<int64_t>(acc);
  }
}

void f32_reduce_rows_scalar(const ReduceRows& g, const float* x, float* y, size_t out_begin, size_t out_end) {
  const ReduceGeometry one{{}, {}, g.op, 0.0, false};
  for (size_t o = out_begin; o < out_end; ++o) {
    const float* base = x + (o / g.inner) * g.rows * g.inner + o % g.inner;
    y[o] = reduce_one(one, base, g.rows, [&g](size_t r) { return r * g.inner; });
  }
}

}  // namespace wt
