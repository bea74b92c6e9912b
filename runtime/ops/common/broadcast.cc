#include "ops/common/broadcast.h"

namespace wt {

Result<Shape> broadcast_shapes(const PrepareContext& ctx, const Shape& a, const Shape& b) {
  const size_t rank = a.size() > b.size() ? a.size() : b.size();
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      return ctx.error("shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " cannot be broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

BroadcastPlan make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out) {
  struct Dim {
    size_t size;
    bool a_full, b_full;
  };
  std::array<Dim, BroadcastPlan::kMaxDims> dims{};
  int n = 0;
  const size_t rank = out.size();
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    const bool a_full = i >= rank - a.size() && a[i - (rank - a.size())] != 1;
    const bool b_full = i >= rank - b.size() && b[i - (rank - b.size())] != 1;
    if (n > 0 && dims[n - 1].a_full == a_full && dims[n - 1].b_full == b_full) {
      dims[n - 1].size *= static_cast<size_t>(out[i]);  // same broadcast pattern: merge
    } else {
      dims[n++] = {static_cast<size_t>(out[i]), a_full, b_full};
    }
  }
  BroadcastPlan p;
  if (n == 0) return p;
  p.rank = n;
  size_t a_stride = 1, b_stride = 1;
  for (int i = n - 1; i >= 0; --i) {
    p.size[i] = dims[i].size;
    p.a_stride[i] = dims[i].a_full ? a_stride : 0;
    p.b_stride[i] = dims[i].b_full ? b_stride : 0;
    if (dims[i].a_full) a_stride *= dims[i].size;
    if (dims[i].b_full) b_stride *= dims[i].size;
  }
  p.run_length = p.size[n - 1];
  p.a_run_stride = dims[n - 1].a_full ? 1 : 0;
  p.b_run_stride = dims[n - 1].b_full ? 1 : 0;
  for (int i = 0; i < n - 1; ++i) p.runs *= p.size[i];
  return p;
}

void BroadcastPlan::run_offsets(size_t r, size_t* a_off, size_t* b_off) const {
  size_t ao = 0, bo = 0;
  for (int i = rank - 2; i >= 0; --i) {
    const size_t idx = r % size[i];
    r /= size[i];
    ao += idx * a_stride[i];
    bo += idx * b_stride[i];
  }
  *a_off = ao;
  *b_off = bo;
}

}  // namespace wt
