// resize2d (F.interpolate, nn.Upsample): mode "nearest" or "bilinear", over [N, C, H, W].
// Attributes: output_size [oh, ow], scales [sh, sw] (0 = derive from sizes), align_corners.
#include "kernels/f32_resize2d.h"
#include "ops/common/op.h"

namespace wt {
namespace {

using ResizeFn = void (*)(const Resize2dGeometry&, const float*, float*, size_t, size_t);

class ResizeKernel final : public OpKernel {
 public:
  ResizeKernel(ResizeFn fn, Resize2dGeometry g, size_t planes) : fn_(fn), g_(g), planes_(planes) {}
  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(planes_, 1, [&](size_t b, size_t e) { fn_(g_, ctx.in_f32(0), ctx.out_f32(0), b, e); });
  }

 private:
  ResizeFn fn_;
  Resize2dGeometry g_;
  size_t planes_;
};

// PyTorch's area_pixel_compute_scale.
float source_scale(int64_t in, int64_t out, double user_scale, bool align_corners) {
  if (align_corners) return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.f;
  return user_scale > 0 ? static_cast<float>(1.0 / user_scale) : static_cast<float>(in) / static_cast<float>(out);
}

Result<std::unique_ptr<OpKernel>> prepare_resize2d(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(1, 1));
  WT_RETURN_IF_ERROR(ctx.expect_input(0, DType::kFloat32, 4, 4));
  const Shape& x = ctx.input(0)->shape;
  const Attributes& a = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(std::string mode, a.get_string("mode", "nearest"));
  WT_ASSIGN_OR_RETURN(std::vector<int64_t> size, a.get_ints("output_size", 2));
  WT_ASSIGN_OR_RETURN(int64_t align, a.get_int("align_corners", 0));
  WT_ASSIGN_OR_RETURN(double scale_h, a.get_float("scale_h", 0.0));
  WT_ASSIGN_OR_RETURN(double scale_w, a.get_float("scale_w", 0.0));
  if (mode != "nearest" && mode != "bilinear")
    return ctx.error("mode " + quote(mode) + " is not supported (nearest, bilinear)");
  for (const double scale : {scale_h, scale_w}) {
    // Source indices are dst / scale: an extreme or non-finite scale would overflow them.
    if (scale != 0.0 && !(scale >= 0x1p-20 && scale <= 0x1p20)) {
      return ctx.error("scale_h and scale_w must be 0 (from the sizes) or in [2^-20, 2^20], got " +
                       std::to_string(scale_h) + " and " + std::to_string(scale_w));
    }
  }
  if (size[0] < 1 || size[1] < 1 || size[0] > (1 << 20) || size[1] > (1 << 20) || x[2] < 1 || x[3] < 1) {
    return ctx.error("cannot resize " + shape_to_string(x) + " to [" + std::to_string(size[0]) + ", " +
                     std::to_string(size[1]) + "]");
  }
  const bool bilinear = mode == "bilinear";
  const Resize2dGeometry g{static_cast<size_t>(x[2]),
                           static_cast<size_t>(x[3]),
                           static_cast<size_t>(size[0]),
                           static_cast<size_t>(size[1]),
                           source_scale(x[2], size[0], scale_h, bilinear && align),
                           source_scale(x[3], size[1], scale_w, bilinear && align),
                           bilinear && align != 0};
  ctx.outputs->push_back({DType::kFloat32, {x[0], x[1], size[0], size[1]}});
  return make_kernel(ResizeKernel(bilinear ? f32_resize2d_bilinear_scalar : f32_resize2d_nearest_scalar, g,
                                  static_cast<size_t>(x[0] * x[1])));
}

}  // namespace

extern const OpDef kResize2dOp = {"resize2d", prepare_resize2d, "float32",
                                  "nearest, bilinear (align_corners both ways); PyTorch's source-index rules"};

}  // namespace wt
