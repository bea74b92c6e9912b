#include "ops/common/op.h"

namespace wt {

void RunErrors::report(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (first_.empty()) first_ = message;
}

Status RunErrors::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (first_.empty()) return Status::ok();
  Status status = invalid_argument(first_);
  first_.clear();
  return status;
}

Status PrepareContext::expect_input_count(size_t min_count, size_t max_count) const {
  if (inputs.size() < min_count || inputs.size() > max_count) {
    return error("expects " + std::to_string(min_count) +
                 (min_count == max_count ? "" : "-" + std::to_string(max_count)) + " inputs, got " +
                 std::to_string(inputs.size()));
  }
  return Status::ok();
}

Result<bool> PrepareContext::tuning_applies() const {
  if (!node.attributes.has("tuned_threads")) return true;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> counts, node.attributes.get_ints("tuned_threads"));
  if (counts.empty()) return error("tuned_threads must list at least one thread count");
  bool applies = false;
  for (int64_t count : counts) {
    if (count < 1) return error("tuned_threads must be thread counts of at least 1, got " + std::to_string(count));
    applies = applies || static_cast<size_t>(count) == threads;
  }
  return applies;
}

Result<size_t> PrepareContext::gemm_depth_block() const {
  WT_ASSIGN_OR_RETURN(int64_t depth, node.attributes.get_int("gemm_depth_block", static_cast<int64_t>(kGemmKc)));
  if (depth < 1 || depth > static_cast<int64_t>(kGemmKc))
    return error("gemm_depth_block must be within [1, " + std::to_string(kGemmKc) + "], got " + std::to_string(depth));
  WT_ASSIGN_OR_RETURN(bool applies, tuning_applies());
  return applies ? static_cast<size_t>(depth) : kGemmKc;
}

Status PrepareContext::expect_input(size_t i, DType dtype, size_t min_rank, size_t max_rank) const {
  const TensorInfo* t = input(i);
  if (t == nullptr) return error("input " + std::to_string(i) + " is required");
  if (t->dtype != dtype) {
    return error("input " + std::to_string(i) + " must be " + dtype_name(dtype) + ", is " + dtype_name(t->dtype));
  }
  if (t->shape.size() < min_rank || t->shape.size() > max_rank) {
    return error("input " + std::to_string(i) + " has shape " + shape_to_string(t->shape) + "; expected rank " +
                 std::to_string(min_rank) + (min_rank == max_rank ? "" : "-" + std::to_string(max_rank)));
  }
  return Status::ok();
}

}  // namespace wt
