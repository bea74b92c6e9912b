#include "ops/common/static_quantization.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

namespace wt {
namespace {

Result<ActivationQuantization> read_activation_quantization(const PrepareContext& ctx, const std::string& which) {
  const Attributes& a = ctx.node.attributes;
  WT_ASSIGN_OR_RETURN(double scale, a.get_float(which + "_scale", NAN));
  WT_ASSIGN_OR_RETURN(int64_t zero_point, a.get_int(which + "_zero_point"));
  WT_ASSIGN_OR_RETURN(int64_t bits, a.get_int(which + "_bits", 8));
  if (bits != 7 && bits != 8) return ctx.error(which + "_bits must be 7 or 8, got " + std::to_string(bits));
  const int64_t top = (int64_t{1} << bits) - 1;
  WT_ASSIGN_OR_RETURN(int64_t max_code, a.get_int(which + "_max", top));
  const auto single = static_cast<float>(scale);
  if (!(single > 0.f) || !std::isfinite(1.f / single)) {
    return ctx.error(which + "_scale must be a positive float with a finite inverse, got " + std::to_string(scale));
  }
  if (max_code < 1 || max_code > top) {
    return ctx.error(which + "_max must be in [1, " + std::to_string(top) + "] for " + std::to_string(bits) +
                     "-bit values, got " + std::to_string(max_code));
  }
  if (zero_point < 0 || zero_point > max_code) {
    return ctx.error(which + "_zero_point must be in [0, " + std::to_string(max_code) + "] for " +
                     std::to_string(bits) + "-bit values, got " + std::to_string(zero_point));
  }
  const auto zp = static_cast<float>(zero_point);
  return ActivationQuantization{single, static_cast<int>(zero_point), static_cast<int>(bits), static_cast<int>(max_code),
                                Qu8Params{1.f / single, -zp, static_cast<float>(max_code) - zp}};
}

constexpr size_t kMaxEdgeInputs = 8;

class RegionEdgesKernel final : public OpKernel {
 public:
  RegionEdgesKernel(const PrepareContext& ctx, std::unique_ptr<OpKernel> inner, const ActivationQuantization& input,
                    bool bytes_in, const std::optional<ActivationQuantization>& output, size_t in_elements,
                    size_t out_elements)
      : kernels_(ctx.kernel_table),
        inner_(std::move(inner)),
        input_(input),
        bytes_in_(bytes_in),
        output_(output),
        in_elements_(in_elements),
        out_elements_(out_elements) {}

  // The inner kernel's, then the float input, then the float output.
  size_t workspace_bytes() const override {
    return aligned_size(inner_->workspace_bytes()) + aligned_size(float_input_bytes()) + out_elements_ * sizeof(float);
  }
  // A float output written over the residual (input 3) stays possible; bytes are written apart.
  Aliasing output_aliasing() const override { return output_ ? Aliasing::kNone : inner_->output_aliasing(); }
  size_t in_place_input() const override { return inner_->in_place_input(); }

  void run(const RunContext& ctx) const override {
    auto* base = static_cast<char*>(ctx.workspace);
    auto* x = reinterpret_cast<float*>(base + aligned_size(inner_->workspace_bytes()));
    auto* y = output_ ? reinterpret_cast<float*>(reinterpret_cast<char*>(x) + aligned_size(float_input_bytes())) : nullptr;
    std::array<const void*, kMaxEdgeInputs> inputs{};
    const size_t count = std::min(ctx.num_inputs, kMaxEdgeInputs);  // static ops take at most 5
    std::copy(ctx.inputs, ctx.inputs + count, inputs.begin());
    if (bytes_in_) {
      const auto* xu = static_cast<const uint8_t*>(ctx.inputs[0]);
      parallelize_elements(ctx, in_elements_, [&](size_t from, size_t to) {
        kernels_->qu8_dequantize(to - from, xu + from, input_.zero_point, input_.scale, x + from);
      });
      inputs[0] = x;
    }
    void* outputs[1] = {output_ ? y : ctx.outputs[0]};
    RunContext inner = ctx;
    inner.inputs = inputs.data();
    inner.num_inputs = count;
    inner.outputs = outputs;
    inner_->run(inner);
    if (output_) {
      quantize_static_input(ctx, kernels_->qu8_quantize_to_u8, output_->params, out_elements_, y,
                            static_cast<uint8_t*>(ctx.outputs[0]));
    }
  }

 private:
  size_t float_input_bytes() const { return bytes_in_ ? in_elements_ * sizeof(float) : 0; }

  const KernelTable* kernels_;
  std::unique_ptr<OpKernel> inner_;
  ActivationQuantization input_;
  bool bytes_in_;
  std::optional<ActivationQuantization> output_;
  size_t in_elements_, out_elements_;
};

}  // namespace

std::unique_ptr<OpKernel> with_region_edges(const PrepareContext& ctx, std::unique_ptr<OpKernel> inner,
                                            const ActivationQuantization& input, bool bytes_in,
                                            const std::optional<ActivationQuantization>& output, size_t in_elements,
                                            size_t out_elements) {
  if (!bytes_in && !output) return inner;
  return std::make_unique<RegionEdgesKernel>(ctx, std::move(inner), input, bytes_in, output, in_elements,
                                             out_elements);
}

Result<ActivationQuantization> read_static_input_quantization(const PrepareContext& ctx) {
  return read_activation_quantization(ctx, "input");
}

Result<std::optional<ActivationQuantization>> read_static_output_quantization(const PrepareContext& ctx) {
  if (!ctx.node.attributes.has("output_scale")) return std::optional<ActivationQuantization>();
  WT_ASSIGN_OR_RETURN(ActivationQuantization output, read_activation_quantization(ctx, "output"));
  return std::optional<ActivationQuantization>(output);
}

Result<bool> read_static_input_bytes(const PrepareContext& ctx) {
  const TensorInfo* x = ctx.input(0);
  const bool bytes = x != nullptr && x->dtype == DType::kUInt8;
  WT_RETURN_IF_ERROR(ctx.expect_input(0, bytes ? DType::kUInt8 : DType::kFloat32, 4, 4));
  return bytes;
}

bool runs_byte_tile(const PrepareContext& ctx, const ActivationQuantization& input) {
  return input.bits == 7 && ctx.kernel_table->qu8_gemm_5x8c4 != nullptr && ctx.input(1)->constant_data != nullptr;
}

bool runs_split_byte_tile(const PrepareContext& ctx, const std::optional<ActivationQuantization>& input) {
  return ctx.kernel_table->qu8_gemm_5x8c4_split != nullptr && ctx.input(1)->constant_data != nullptr &&
         (!input || (input->bits == 8 && input->max_code <= kQu8HalvesMaxByte));
}

}  // namespace wt
