// conv_transpose2d over NCHW: x [N, Cin, H, W], W [Cin, Cout/groups, kh, kw], b [Cout];
// out = (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
#include "kernels/f32_conv_transpose2d.h"
#include "ops/conv_geometry.h"

namespace wt {
namespace {

class ConvTranspose2dKernel final : public OpKernel {
 public:
  explicit ConvTranspose2dKernel(Conv2dGeometry g) : g_(g) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(g_.batch * g_.out_channels, 1, [&](size_t b, size_t e) {
      f32_conv_transpose2d_nchw_scalar(g_, ctx.in_f32(0), ctx.in_f32(1), ctx.in_f32(2), ctx.out_f32(0), b, e);
    });
  }

 private:
  Conv2dGeometry g_;
};

Result<std::unique_ptr<OpKernel>> prepare_conv_transpose2d(const PrepareContext& ctx) {
  WT_ASSIGN_OR_RETURN(ConvAttributes c, read_conv_attributes(ctx));
  const Shape& x = ctx.input(0)->shape;
  const Shape& w = ctx.input(1)->shape;
  const auto& [stride, padding, dilation, groups] = c;
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> output_padding, ctx.node.attributes.get_ints("output_padding", 2));
  if (w[0] != x[1] || x[1] % groups != 0) {
    return ctx.error("weight " + shape_to_string(w) + " and groups=" + std::to_string(groups) + " do not fit input " +
                     shape_to_string(x));
  }
  const int64_t out_channels = w[1] * groups;
  WT_RETURN_IF_ERROR(check_conv_bias(ctx, out_channels));
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    constexpr int64_t kLimit = int64_t{1} << 20;
    if (stride[d] < 1 || dilation[d] < 1 || padding[d] < 0 || output_padding[d] < 0 || stride[d] > kLimit ||
        dilation[d] > kLimit || padding[d] > kLimit || output_padding[d] >= std::max(stride[d], dilation[d])) {
      return ctx.error("stride, padding, dilation or output_padding out of range");
    }
    out[d] = (x[2 + d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (w[2 + d] - 1) + output_padding[d] + 1;
    if (out[d] < 1 || out[d] > kLimit) return ctx.error("output size " + std::to_string(out[d]) + " is invalid");
  }
  ctx.outputs->push_back({DType::kFloat32, {x[0], out_channels, out[0], out[1]}});
  auto z = [](int64_t v) { return static_cast<size_t>(v); };
  const Conv2dGeometry g{z(x[0]),       z(x[1]),        z(x[2]),        z(x[3]),      z(out_channels), z(out[0]),
                         z(out[1]),     z(w[2]),        z(w[3]),        z(stride[0]), z(stride[1]),    z(padding[0]),
                         z(padding[1]), z(dilation[0]), z(dilation[1]), z(groups)};
  return make_kernel(ConvTranspose2dKernel(g));
}

}  // namespace

extern const OpDef kConvTranspose2dOp = {"conv_transpose2d", prepare_conv_transpose2d, "float32",
                                         "stride, padding, output_padding, dilation, groups (gather form)"};

}  // namespace wt
