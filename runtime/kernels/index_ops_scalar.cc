#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "kernels/index_ops.h"

namespace wt {
namespace {

// Resolves a possibly negative index; false (and *bad set) when out of range.
bool resolve(int64_t index, size_t size, size_t* out, int64_t* bad) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < -n || index >= n) {
    *bad = index;
    return false;
  }
  *out = static_cast<size_t>(index < 0 ? index + n : index);
  return true;
}

}  // namespace

void gather_scalar(const AxisView& v, size_t count, size_t es, const uint8_t* x, const int64_t* index, uint8_t* y,
                   size_t outer_begin, size_t outer_end, int64_t* bad) {
  for (size_t o = outer_begin; o < outer_end; ++o) {
    for (size_t j = 0; j < count; ++j) {
      for (size_t i = 0; i < v.inner; ++i) {
        const size_t at = (o * count + j) * v.inner + i;
        size_t a;
        if (resolve(index[at], v.axis, &a, bad))
          std::memcpy(y + at * es, x + ((o * v.axis + a) * v.inner + i) * es, es);
        else
          std::memset(y + at * es, 0, es);
      }
    }
  }
}

void index_select_scalar(const AxisView& v, size_t count, size_t es, const uint8_t* x, const int64_t* index, uint8_t* y,
                         size_t outer_begin, size_t outer_end, int64_t* bad) {
  for (size_t o = outer_begin; o < outer_end; ++o) {
    for (size_t j = 0; j < count; ++j) {
      uint8_t* row = y + (o * count + j) * v.inner * es;
      size_t a;
      if (resolve(index[j], v.axis, &a, bad))
        std::memcpy(row, x + (o * v.axis + a) * v.inner * es, v.inner * es);
      else
        std::memset(row, 0, v.inner * es);
    }
  }
}

namespace {

template <typename T>
bool is_nan(T v) {
  return v != v;  // never for integers
}

template <typename T>
void argextreme(const AxisView& v, bool max, const T* x, int64_t* y, size_t outer_begin, size_t outer_end) {
  for (size_t o = outer_begin; o < outer_end; ++o) {
    for (size_t i = 0; i < v.inner; ++i) {
      const T* p = x + o * v.axis * v.inner + i;
      size_t best = 0;
      for (size_t a = 1; a < v.axis && !is_nan(p[best * v.inner]); ++a) {
        const T c = p[a * v.inner];
        if (is_nan(c) || (max ? c > p[best * v.inner] : c < p[best * v.inner])) best = a;
      }
      y[o * v.inner + i] = static_cast<int64_t>(best);
    }
  }
}

template <typename T>
void topk(const AxisView& v, size_t k, bool largest, const T* x, T* values, int64_t* indices, size_t outer_begin,
          size_t outer_end) {
  std::vector<size_t> order(v.axis);
  for (size_t o = outer_begin; o < outer_end; ++o) {
    for (size_t i = 0; i < v.inner; ++i) {
      const T* p = x + o * v.axis * v.inner + i;
      std::iota(order.begin(), order.end(), size_t{0});
      // NaN counts as the largest value, as in PyTorch.
      auto before = [&](size_t a, size_t b) {
        const T fa = p[a * v.inner], fb = p[b * v.inner];
        const bool na = is_nan(fa), nb = is_nan(fb);
        if (na || nb) return largest ? (na && !nb) : (!na && nb);
        return largest ? fa > fb : fa < fb;
      };
      std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                        [&](size_t a, size_t b) { return before(a, b) || (!before(b, a) && a < b); });
      for (size_t j = 0; j < k; ++j) {
        const size_t at = (o * k + j) * v.inner + i;
        values[at] = p[order[j] * v.inner];
        indices[at] = static_cast<int64_t>(order[j]);
      }
    }
  }
}

}  // namespace

void f32_argextreme_scalar(const AxisView& v, bool max, const float* x, int64_t* y, size_t outer_begin,
                           size_t outer_end) {
  argextreme(v, max, x, y, outer_begin, outer_end);
}
void i64_argextreme_scalar(const AxisView& v, bool max, const int64_t* x, int64_t* y, size_t outer_begin,
                           size_t outer_end) {
  argextreme(v, max, x, y, outer_begin, outer_end);
}

void f32_topk_scalar(const AxisView& v, size_t k, bool largest, const float* x, float* values, int64_t* indices,
                     size_t outer_begin, size_t outer_end) {
  topk(v, k, largest, x, values, indices, outer_begin, outer_end);
}
void i64_topk_scalar(const AxisView& v, size_t k, bool largest, const int64_t* x, int64_t* values, int64_t* indices,
                     size_t outer_begin, size_t outer_end) {
  topk(v, k, largest, x, values, indices, outer_begin, outer_end);
}

namespace {
// Acc: the accumulator (double for float32; uint64 for int64, which wraps as PyTorch's does).
template <typename T, typename Acc>
void cumsum(const AxisView& v, const T* x, T* y, size_t outer_begin, size_t outer_end) {
  for (size_t o = outer_begin; o < outer_end; ++o) {
    for (size_t i = 0; i < v.inner; ++i) {
      Acc acc = 0;
      for (size_t a = 0; a < v.axis; ++a) {
        const size_t at = (o * v.axis + a) * v.inner + i;
        acc += static_cast<Acc>(x[at]);
        y[at] = static_cast<T>(acc);
      }
    }
  }
}
}  // namespace

void f32_cumsum_scalar(const AxisView& v, const float* x, float* y, size_t outer_begin, size_t outer_end) {
  cumsum<float, double>(v, x, y, outer_begin, outer_end);
}
void i64_cumsum_scalar(const AxisView& v, const int64_t* x, int64_t* y, size_t outer_begin, size_t outer_end) {
  cumsum<int64_t, uint64_t>(v, x, y, outer_begin, outer_end);
}

}  // namespace wt
