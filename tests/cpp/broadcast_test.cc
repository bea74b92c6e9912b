#include "ops/common/broadcast.h"

#include <gtest/gtest.h>

#include "graph/graph.h"

namespace wt {
namespace {

// Element offsets of out index `flat` in a and b, computed the slow way.
void naive_offsets(const Shape& a, const Shape& b, const Shape& out, size_t flat, size_t* ao, size_t* bo) {
  *ao = *bo = 0;
  size_t sa = 1, sb = 1;
  for (size_t i = out.size(); i-- > 0;) {
    const size_t idx = flat % size_t(out[i]);
    flat /= size_t(out[i]);
    const size_t ra = out.size() - i, rb = out.size() - i;
    if (ra <= a.size()) {
      const int64_t d = a[a.size() - ra];
      if (d != 1) *ao += idx * sa;
      sa *= size_t(d);
    }
    if (rb <= b.size()) {
      const int64_t d = b[b.size() - rb];
      if (d != 1) *bo += idx * sb;
      sb *= size_t(d);
    }
  }
}

// The output shape of an add of a and b (which must broadcast).
Shape broadcast_output(const Shape& a, const Shape& b) {
  Node node;
  node.op = "add";
  std::vector<OutputSpec> specs;
  PrepareContext ctx{node, {}, &specs};
  auto out = broadcast_shapes(ctx, a, b);
  EXPECT_TRUE(out.is_ok());
  return out.is_ok() ? out.value() : Shape{};
}

class BroadcastTest : public ::testing::TestWithParam<std::pair<Shape, Shape>> {};

TEST_P(BroadcastTest, RunsCoverEveryElementWithTheRightOffsets) {
  const auto& [a, b] = GetParam();
  const Shape out = broadcast_output(a, b);
  ASSERT_FALSE(HasFailure());
  const BroadcastPlan plan = make_broadcast_plan(a, b, out);
  ASSERT_EQ(plan.runs * plan.run_length, size_t(numel(out)));
  for (size_t r = 0; r < plan.runs; ++r) {
    size_t ao, bo;
    plan.run_offsets(r, &ao, &bo);
    for (size_t k = 0; k < plan.run_length; ++k) {
      size_t eao, ebo;
      naive_offsets(a, b, out, r * plan.run_length + k, &eao, &ebo);
      ASSERT_EQ(ao + k * plan.a_run_stride, eao);
      ASSERT_EQ(bo + k * plan.b_run_stride, ebo);
    }
  }
}

// Threads split output elements, not runs: any range cut into pieces (of 1, 3 or 7 elements, so
// pieces end mid-run) yields segments that tile it, each inside one run, at the right offsets.
TEST_P(BroadcastTest, SegmentsTileAnyElementRange) {
  const auto& [a, b] = GetParam();
  const Shape out = broadcast_output(a, b);
  ASSERT_FALSE(HasFailure());
  const BroadcastPlan plan = make_broadcast_plan(a, b, out);
  for (size_t piece : {1, 3, 7}) {
    size_t next = 0;
    for (size_t begin = 0; begin < plan.elements(); begin += piece) {
      plan.for_each_segment(begin, std::min(plan.elements(), begin + piece), [&](const BroadcastPlan::Segment& s) {
        ASSERT_EQ(s.out, next) << "segments must tile the range in order";
        ASSERT_GT(s.count, 0u);
        ASSERT_LE(s.out % plan.run_length + s.count, plan.run_length) << "a segment crosses a run";
        for (size_t k = 0; k < s.count; ++k) {
          size_t eao, ebo;
          naive_offsets(a, b, out, s.out + k, &eao, &ebo);
          ASSERT_EQ(s.a_off + k * plan.a_run_stride, eao) << s.out + k;
          ASSERT_EQ(s.b_off + k * plan.b_run_stride, ebo) << s.out + k;
        }
        next += s.count;
      });
    }
    ASSERT_EQ(next, plan.elements());
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, BroadcastTest,
                         ::testing::Values(std::make_pair(Shape{2, 3}, Shape{2, 3}),
                                           std::make_pair(Shape{2, 3, 4, 5}, Shape{1, 3, 1, 1}),
                                           std::make_pair(Shape{4, 1}, Shape{1, 5}),
                                           std::make_pair(Shape{}, Shape{3, 2}),
                                           std::make_pair(Shape{3, 1, 2}, Shape{2}), std::make_pair(Shape{1}, Shape{1}),
                                           std::make_pair(Shape{2, 1, 3}, Shape{2, 4, 1})));

TEST(BroadcastTest, IncompatibleShapesNameBothShapes) {
  Node node;
  node.op = "mul";
  std::vector<OutputSpec> specs;
  PrepareContext ctx{node, {}, &specs};
  auto out = broadcast_shapes(ctx, {2, 3}, {4});
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("[2, 3] and [4] cannot be broadcast"), std::string::npos);
}

}  // namespace
}  // namespace wt
