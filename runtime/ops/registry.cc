// The one list of operators the runtime implements. Each op's facts live in its own file.
#include "ops/op.h"

namespace wt {

extern const OpDef kAddOp, kMulOp;
extern const OpDef kReluOp;
extern const OpDef kLinearOp;
extern const OpDef kConv2dOp;
extern const OpDef kMaxPool2dOp, kAvgPool2dOp, kAdaptiveAvgPool2dOp;
extern const OpDef kBatchNormOp;
extern const OpDef kReshapeOp;
extern const OpDef kSoftmaxOp, kLogSoftmaxOp;

const std::vector<const OpDef*>& all_ops() {
  static const std::vector<const OpDef*> ops = {
      &kAddOp,        &kMulOp,        &kReluOp,         &kLinearOp,   &kConv2dOp,
      &kMaxPool2dOp,  &kAvgPool2dOp,  &kAdaptiveAvgPool2dOp,          &kBatchNormOp,
      &kReshapeOp,    &kSoftmaxOp,    &kLogSoftmaxOp,
  };
  return ops;
}

const OpDef* find_op(const std::string& name) {
  for (const OpDef* op : all_ops()) {
    if (name == op->name) return op;
  }
  return nullptr;
}

}  // namespace wt
