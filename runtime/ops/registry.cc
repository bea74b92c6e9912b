// The one list of operators the runtime implements. Each op's facts live in its own file;
// families (unary, binary, reduce) build their entries from a table in their file.
#include "ops/common/op.h"

namespace wt {

extern const OpDef kLinearOp, kDynamicQuantizedLinearOp, kStaticQuantizedLinearOp, kAttentionOp;
extern const OpDef kStaticQuantizedConv2dOp;
extern const OpDef kStaticQuantizedDepthwiseConv2dOp;
extern const OpDef kConv2dOp;
extern const OpDef kMaxPool2dOp, kAvgPool2dOp, kAdaptiveAvgPool2dOp;
extern const OpDef kBatchNormOp;
extern const OpDef kChannelAffineOp;
extern const OpDef kReshapeOp;
extern const OpDef kConcatOp, kInterleaveOp;
extern const OpDef kSoftmaxOp, kLogSoftmaxOp;
extern const OpDef kMatmulOp, kLayerNormOp, kPermuteOp, kExpandOp, kSliceOp, kCastOp, kEmbeddingOp, kResize2dOp,
    kConvTranspose2dOp, kGatherOp, kIndexSelectOp, kArgmaxOp, kArgminOp, kTopkOp, kCumsumOp,
    kFlipOp, kAdaptiveMaxPool2dOp;
const std::vector<OpDef>& unary_ops();
const std::vector<OpDef>& binary_ops();
const std::vector<OpDef>& reduce_ops();
const std::vector<OpDef>& compare_ops();

namespace {

std::vector<const OpDef*> collect_ops() {
  std::vector<const OpDef*> ops = {
      &kLinearOp, &kConv2dOp,  &kMaxPool2dOp,  &kAvgPool2dOp, &kAdaptiveAvgPool2dOp, &kBatchNormOp, &kReshapeOp,
      &kConcatOp, &kSoftmaxOp, &kLogSoftmaxOp, &kMatmulOp,    &kLayerNormOp,         &kPermuteOp,   &kExpandOp,
      &kChannelAffineOp,
      &kSliceOp,  &kCastOp,    &kEmbeddingOp,  &kResize2dOp,  &kConvTranspose2dOp,   &kGatherOp,    &kIndexSelectOp,
      &kArgmaxOp, &kArgminOp,  &kTopkOp,       &kCumsumOp,    &kFlipOp, &kAdaptiveMaxPool2dOp, &kAttentionOp,
      &kDynamicQuantizedLinearOp, &kStaticQuantizedLinearOp, &kStaticQuantizedConv2dOp,
      &kStaticQuantizedDepthwiseConv2dOp, &kInterleaveOp};
  for (const auto* family : {&unary_ops(), &binary_ops(), &reduce_ops(), &compare_ops()}) {
    for (const OpDef& op : *family) ops.push_back(&op);
  }
  return ops;
}

}  // namespace

const std::vector<const OpDef*>& all_ops() {
  static const std::vector<const OpDef*> ops = collect_ops();
  return ops;
}

const OpDef* find_op(const std::string& name) {
  for (const OpDef* op : all_ops()) {
    if (name == op->name) return op;
  }
  return nullptr;
}

}  // namespace wt
