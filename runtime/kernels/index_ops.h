// Index-driven kernels over an [outer, axis, inner] view of a tensor. Indices are checked by the
// kernels (they are data); a bad one is reported through `bad_index` and its output zeroed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wt {

struct AxisView {
  size_t outer, axis, inner;  // input: [outer, axis, inner]
};

// y[o, j, i] = x[o, index[o, j, i], i] (torch.gather along the axis), index of shape [outer, count, inner].
void gather_scalar(const AxisView& v, size_t count, size_t element_size, const uint8_t* x, const int64_t* index,
                   uint8_t* y, size_t outer_begin, size_t outer_end, int64_t* bad_index);

// y[o, j, i] = x[o, index[j], i] (torch.index_select), index of length `count`.
void index_select_scalar(const AxisView& v, size_t count, size_t element_size, const uint8_t* x, const int64_t* index,
                         uint8_t* y, size_t outer_begin, size_t outer_end, int64_t* bad_index);

// Index of the max (or min) along the axis; the first one on ties, a NaN wins (as PyTorch).
void f32_argextreme_scalar(const AxisView& v, bool max, const float* x, int64_t* y, size_t outer_begin,
                           size_t outer_end);
void i64_argextreme_scalar(const AxisView& v, bool max, const int64_t* x, int64_t* y, size_t outer_begin,
                           size_t outer_end);

// The k largest (or smallest) along the axis, sorted, with their indices; ties keep index order.
void f32_topk_scalar(const AxisView& v, size_t k, bool largest, const float* x, float* values, int64_t* indices,
                     size_t outer_begin, size_t outer_end);
void i64_topk_scalar(const AxisView& v, size_t k, bool largest, const int64_t* x, int64_t* values, int64_t* indices,
                     size_t outer_begin, size_t outer_end);

void f32_cumsum_scalar(const AxisView& v, const float* x, float* y, size_t outer_begin, size_t outer_end);
void i64_cumsum_scalar(const AxisView& v, const int64_t* x, int64_t* y, size_t outer_begin, size_t outer_end);

}  // namespace wt
