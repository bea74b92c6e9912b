// NumPy/PyTorch broadcasting for binary elementwise ops, reduced to a loop over "runs": the
// shapes are coalesced so that the innermost dimension is as long as possible and each run is
// either vector-vector or vector-scalar.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include "kernels/typed_binary.h"
#include "ops/common/op.h"

namespace wt {

struct BroadcastPlan {
  static constexpr int kMaxDims = kMaxRank;
  int rank = 0;  // coalesced dims, outermost first
  std::array<size_t, kMaxDims> size{};
  std::array<size_t, kMaxDims> a_stride{};  // 0 where a is broadcast
  std::array<size_t, kMaxDims> b_stride{};
  size_t runs = 1;                            // product of all dims but the innermost
  size_t run_length = 1;                      // the innermost dim
  size_t a_run_stride = 1, b_run_stride = 1;  // 1 or 0 (broadcast scalar within a run)

  // Element offsets of run `r` in a and b.
  void run_offsets(size_t r, size_t* a_off, size_t* b_off) const;

  size_t elements() const { return runs * run_length; }

  // `count` outputs from output element `out`, within one run: a and b from element offsets a_off
  // and b_off (advancing where a_run_stride / b_run_stride is 1).
  struct Segment {
    size_t out, a_off, b_off, count;
  };
  // fn(segment) over output elements [begin, end), cut at run boundaries. Threads split elements,
  // not runs: a same-shape add is one run, and run whole on one core at 2 threads it read half its
  // inputs from the other core's cache (BERT-style's residual adds, 4.4x slower than at 1 thread).
  template <typename Fn>
  void for_each_segment(size_t begin, size_t end, Fn fn) const {
    while (begin < end) {
      const size_t offset = begin % run_length, count = std::min(run_length - offset, end - begin);
      size_t ao, bo;
      run_offsets(begin / run_length, &ao, &bo);
      fn(Segment{begin, ao + offset * a_run_stride, bo + offset * b_run_stride, count});
      begin += count;
    }
  }

  // for_each_segment over every output, split over the pool's threads in chunks of at least
  // kMinChunk elements.
  static constexpr size_t kMinChunk = 4096;
  template <typename Fn>
  void parallel_segments(ThreadPool& pool, Fn fn) const {
    pool.parallelize(elements(), kMinChunk, [&](size_t begin, size_t end) { for_each_segment(begin, end, fn); });
  }
};

Result<Shape> broadcast_shapes(const PrepareContext& ctx, const Shape& a, const Shape& b);
BroadcastPlan make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out);

// A broadcast binary op over typed elements (comparisons, integer and logical arithmetic):
// operands of in_size bytes per element, outputs of out_size.
class TypedBinaryKernel final : public OpKernel {
 public:
  TypedBinaryKernel(TypedBinaryKernels k, BroadcastPlan plan, size_t in_size, size_t out_size)
      : k_(k), plan_(plan), in_size_(in_size), out_size_(out_size) {}

  void run(const RunContext& ctx) const override {
    const auto* a = static_cast<const uint8_t*>(ctx.inputs[0]);
    const auto* b = static_cast<const uint8_t*>(ctx.inputs[1]);
    auto* y = static_cast<uint8_t*>(ctx.outputs[0]);
    plan_.parallel_segments(*ctx.pool, [&](const BroadcastPlan::Segment& s) {
      const uint8_t *as = a + s.a_off * in_size_, *bs = b + s.b_off * in_size_;
      uint8_t* out = y + s.out * out_size_;
      if (plan_.a_run_stride && plan_.b_run_stride)
        k_.vv(s.count, as, bs, out);
      else if (plan_.b_run_stride)
        k_.sv(s.count, as, bs, out);
      else
        k_.vs(s.count, as, bs, out);
    });
  }

 private:
  TypedBinaryKernels k_;
  BroadcastPlan plan_;
  size_t in_size_, out_size_;
};

}  // namespace wt
