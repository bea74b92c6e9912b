// attention: scaled dot-product attention, softmax(q k^T * scale + bias) v, per batch and head.
// q [B, H, L, D], k [B, H, S, D], v [B, H, S, Dv] (layout "bhld"), or the same with sequence and
// heads swapped (layout "blhd": [B, L, H, D], what a projection's output reshaped is, so no
// permutes are needed); the output has q's layout with Dv. bias (optional) is additive, [B|1,
// H|1, L|1, S] (attention and padding masks); causal=1 masks key j > query i (PyTorch's
// is_causal), so a causal mask of any length needs no tensor, and key blocks wholly after a query
// block are skipped. The score matrix is never materialized: each task
// (one head) walks key blocks of the thread scratch's size; for each, 20-row blocks of scores are
// computed, softmaxed online (running max and sum per row) and multiplied into the output at once.
#include <algorithm>
#include <cmath>
#include <limits>

#include "gemm/gemm_driver.h"
#include "kernels/f32_softmax.h"
#include "kernels/f32_vscaleshift.h"
#include "ops/common/op.h"

namespace wt {
namespace {

constexpr size_t kQueryRows = 20;  // 4 tiles of 5 rows (relaxed SIMD) or 5 of 4
constexpr size_t kScratchFloats = kOpThreadScratchBytes / sizeof(float);

size_t round8(size_t n) { return (n + kGemmNr - 1) / kGemmNr * kGemmNr; }

struct AttentionShape {
  size_t batch, heads, q_len, kv_len, head_dim, value_dim;
  bool heads_outer;  // "bhld"
  // Where a tensor with `len` rows of `width` per head keeps head (b, h)'s first row, and its row step.
  size_t head_offset(size_t b, size_t h, size_t len, size_t width) const {
    return heads_outer ? (b * heads + h) * len * width : (b * len * heads + h) * width;
  }
  size_t row_stride(size_t width) const { return heads_outer ? width : heads * width; }
};

struct BiasStrides {
  size_t batch, head, row;  // 0 where the bias broadcasts
};

class AttentionKernel final : public OpKernel {
 public:
  AttentionKernel(const KernelTable* kernels, AttentionShape shape, float scale, BiasStrides bias, bool causal,
                  size_t key_block)
      : kernels_(kernels), d_(shape), scale_(scale), bias_(bias), causal_(causal), key_block_(key_block) {}

  void run(const RunContext& ctx) const override {
    ctx.pool->parallelize(d_.batch * d_.heads, 1, [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) run_head(ctx, t / d_.heads, t % d_.heads);
    });
  }

 private:
  // The thread scratch holds K^T and V panels of one key block, a block of scores, and the
  // running max and sum of every query row. (The GEMMs over panels do not use the scratch.)
  void run_head(const RunContext& ctx, size_t b, size_t h) const {
    const size_t qs = d_.row_stride(d_.head_dim), vs = d_.row_stride(d_.value_dim);
    const float* q = ctx.in_f32(0) + d_.head_offset(b, h, d_.q_len, d_.head_dim);
    const float* k = ctx.in_f32(1) + d_.head_offset(b, h, d_.kv_len, d_.head_dim);
    const float* v = ctx.in_f32(2) + d_.head_offset(b, h, d_.kv_len, d_.value_dim);
    const float* bias = ctx.in_f32(3);
    if (bias) bias += b * bias_.batch + h * bias_.head;
    float* o = ctx.out_f32(0) + d_.head_offset(b, h, d_.q_len, d_.value_dim);
    float* kt = ctx.pool->thread_scratch();
    float* vp = kt + d_.head_dim * key_block_;
    float* scores = vp + key_block_ * round8(d_.value_dim);
    float* row_max = scores + kQueryRows * key_block_;
    float* row_sum = row_max + d_.q_len;
    std::fill(row_max, row_max + d_.q_len, -std::numeric_limits<float>::infinity());
    std::fill(row_sum, row_sum + d_.q_len, 0.f);
    for (size_t j0 = 0; j0 < d_.kv_len; j0 += key_block_) {
      const size_t keys = std::min(key_block_, d_.kv_len - j0);
      DenseB(k + j0 * qs, qs, 1).pack({0, d_.head_dim, 0, keys}, kt);  // K^T: [D, keys]
      DenseB(v + j0 * vs, 1, vs).pack({0, keys, 0, d_.value_dim}, vp);
      for (size_t i0 = 0; i0 < d_.q_len; i0 += kQueryRows) {
        const size_t rows = std::min(kQueryRows, d_.q_len - i0);
        if (causal_ && j0 >= i0 + rows) continue;  // every key of the block is after every query
        // Causal: the keys after the query block's last row are masked for all its rows, so they
        // are left out of both GEMMs (half the work of a decoder's attention when one key block
        // holds every key).
        const size_t live = causal_ ? std::min(keys, i0 + rows - j0) : keys;
        const GemmShape qk{rows, live, d_.head_dim, GemmBStorage::kPanels};
        run_gemm(plan_gemm_serial(qk), GemmArgs{kernels_, q + i0 * qs, qs, scores, keys}, PanelB(kt, d_.head_dim),
                 *ctx.pool);
        for (size_t i = 0; i < rows; ++i) {
          float* s = scores + i * keys;
          add_scaled_bias(live, bias ? bias + (i0 + i) * bias_.row + j0 : nullptr, s);
          if (causal_) mask_after(i0 + i, j0, live, s);
          const float rescale = kernels_->softmax_block(live, s, row_max + i0 + i, row_sum + i0 + i);
          if (j0 > 0 && rescale != 1.f) scale_row(d_.value_dim, rescale, o + (i0 + i) * vs);
        }
        GemmShape pv{rows, d_.value_dim, live, GemmBStorage::kPanels};
        pv.accumulate = j0 > 0;
        run_gemm(plan_gemm_serial(pv), GemmArgs{kernels_, scores, keys, o + i0 * vs, vs}, PanelB(vp, keys), *ctx.pool);
      }
    }
    for (size_t i = 0; i < d_.q_len; ++i) scale_row(d_.value_dim, 1.f / row_sum[i], o + i * vs);
  }

  void add_scaled_bias(size_t n, const float* bias, float* s) const {
    if (scale_ != 1.f) scale_row(n, scale_, s);
    if (bias) {
      for (size_t j = 0; j < n; ++j) s[j] += bias[j];
    }
  }

  // Query `row` sees keys 0..row: the block's keys from j0 that come after it are masked.
  static void mask_after(size_t row, size_t j0, size_t keys, float* s) {
    for (size_t j = row + 1 > j0 ? row + 1 - j0 : 0; j < keys; ++j) s[j] = -std::numeric_limits<float>::infinity();
  }

  static void scale_row(size_t n, float factor, float* x) { f32_vscaleshift_scalar(n, x, factor, 0.f, x); }

  const KernelTable* kernels_;
  AttentionShape d_;
  float scale_;
  BiasStrides bias_;
  bool causal_;
  size_t key_block_;
};

// The longest key block (a multiple of 8) whose panels, scores and row statistics fit the
// thread scratch, or 0 when not even 8 keys do.
size_t key_block_for(const AttentionShape& d) {
  const size_t fixed = 2 * d.q_len, per_key = d.head_dim + round8(d.value_dim) + kQueryRows;
  if (fixed >= kScratchFloats) return 0;
  const size_t block = (kScratchFloats - fixed) / per_key / kGemmNr * kGemmNr;
  return std::min(block, round8(d.kv_len));
}

Result<BiasStrides> read_bias(const PrepareContext& ctx, const AttentionShape& d) {
  const TensorInfo* bias = ctx.input(3);
  if (bias == nullptr) return BiasStrides{0, 0, 0};
  WT_RETURN_IF_ERROR(ctx.expect_input(3, DType::kFloat32, 4, 4));
  const Shape& s = bias->shape;
  auto fits = [](int64_t dim, size_t full) { return dim == 1 || dim == static_cast<int64_t>(full); };
  if (!fits(s[0], d.batch) || !fits(s[1], d.heads) || !fits(s[2], d.q_len) || s[3] != static_cast<int64_t>(d.kv_len)) {
    return ctx.error("bias of shape " + shape_to_string(s) + " does not broadcast to [" + std::to_string(d.batch) +
                     ", " + std::to_string(d.heads) + ", " + std::to_string(d.q_len) + ", " +
                     std::to_string(d.kv_len) + "]");
  }
  const auto heads = static_cast<size_t>(s[1]), rows = static_cast<size_t>(s[2]);
  return BiasStrides{s[0] == 1 ? 0 : heads * rows * d.kv_len, heads == 1 ? 0 : rows * d.kv_len, rows == 1 ? 0 : d.kv_len};
}

Result<std::unique_ptr<OpKernel>> prepare_attention(const PrepareContext& ctx) {
  WT_RETURN_IF_ERROR(ctx.expect_input_count(3, 4));
  for (size_t i = 0; i < 3; ++i) WT_RETURN_IF_ERROR(ctx.expect_input(i, DType::kFloat32, 4, 4));
  WT_ASSIGN_OR_RETURN(std::string layout, ctx.node.attributes.get_string("layout", "bhld"));
  if (layout != "bhld" && layout != "blhd") return ctx.error("layout must be 'bhld' or 'blhd', got " + quote(layout));
  WT_ASSIGN_OR_RETURN(double scale, ctx.node.attributes.get_float("scale", 1.0));
  WT_ASSIGN_OR_RETURN(int64_t causal, ctx.node.attributes.get_int("causal", 0));
  if (causal != 0 && causal != 1) return ctx.error("causal must be 0 or 1, got " + std::to_string(causal));
  const bool heads_outer = layout == "bhld";
  const Shape &q = ctx.input(0)->shape, &k = ctx.input(1)->shape, &v = ctx.input(2)->shape;
  const size_t seq = heads_outer ? 2 : 1, head = heads_outer ? 1 : 2;
  if (k[0] != q[0] || v[0] != q[0] || k[head] != q[head] || v[head] != q[head] || k[3] != q[3] || v[seq] != k[seq]) {
    return ctx.error("q " + shape_to_string(q) + ", k " + shape_to_string(k) + " and v " + shape_to_string(v) +
                     " do not agree as " + layout + " tensors");
  }
  if (q[3] < 1 || v[3] < 1 || k[seq] < 1) return ctx.error("head dims and the key length must not be 0");
  const AttentionShape d{static_cast<size_t>(q[0]),   static_cast<size_t>(q[head]), static_cast<size_t>(q[seq]),
                         static_cast<size_t>(k[seq]), static_cast<size_t>(q[3]),    static_cast<size_t>(v[3]),
                         heads_outer};
  WT_ASSIGN_OR_RETURN(BiasStrides bias, read_bias(ctx, d));
  const size_t key_block = key_block_for(d);
  if (key_block == 0) {
    return ctx.error("head dims " + std::to_string(d.head_dim) + "/" + std::to_string(d.value_dim) + " with " +
                     std::to_string(d.q_len) + " queries need more than this runtime's " +
                     std::to_string(kOpThreadScratchBytes) + "-byte attention scratch");
  }
  Shape out = q;
  out[3] = v[3];
  ctx.outputs->push_back({DType::kFloat32, out});
  return make_kernel(AttentionKernel(ctx.kernel_table, d, static_cast<float>(scale), bias, causal == 1, key_block));
}

}  // namespace

extern const OpDef kAttentionOp = {
    "attention", prepare_attention, "float32",
    "softmax(q k^T * scale + bias) v; layout bhld or blhd; bias [B|1, H|1, L|1, S]; causal=1 masks keys after "
    "each query; tiled over keys, online softmax (scores never materialized whole)"};

}  // namespace wt
