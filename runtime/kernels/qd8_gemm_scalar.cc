// The references for qd8_gemm.h: every SIMD variant is tested to match them bit for bit (the sums
// are exact integers and the epilogue rounds in the same order).
#include <cmath>

#include "kernels/qd8_gemm.h"

namespace wt {

float qd8_quantize_row_scalar(size_t k, size_t kp, const float* x, int16_t* xq) {
  float amax = 0.f;
  for (size_t i = 0; i < k; ++i) {
    const float v = std::fabs(x[i]);
    amax = (v > amax || v != v) ? v : amax;  // a NaN wins, as f32x4.max lets it
  }
  if (!std::isfinite(amax) || amax == 0.f) {
    for (size_t i = 0; i < kp; ++i) xq[i] = 0;
    return amax == 0.f ? 0.f : NAN;  // a row with inf or NaN gives NaN outputs
  }
  const float inv = 127.f / amax;
  for (size_t i = 0; i < k; ++i) {
    const float q = std::nearbyint(x[i] * inv);
    xq[i] = static_cast<int16_t>(q < -127.f ? -127.f : (q > 127.f ? 127.f : q));
  }
  for (size_t i = k; i < kp; ++i) xq[i] = 0;
  return amax / 127.f;
}

void qu8_quantize_scalar(size_t n, const float* x, const Qu8Params& p, int16_t* xq) {
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyint(x[i] * p.inv_scale);
    q = q != q ? 0.f : (q < p.lo ? p.lo : (q > p.hi ? p.hi : q));
    xq[i] = static_cast<int16_t>(q);
  }
}

void qu8_quantize_to_u8_scalar(size_t n, const float* x, const Qu8Params& p, uint8_t* xu) {
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyint(x[i] * p.inv_scale);
    q = q != q ? 0.f : (q < p.lo ? p.lo : (q > p.hi ? p.hi : q));
    xu[i] = static_cast<uint8_t>(q - p.lo);
  }
}

namespace {

// One output through the epilogue, in the order every tile rounds in.
void store_dequantized(int32_t sum, size_t r, size_t j, float& y, const Qd8Output& out) {
  float v = static_cast<float>(sum) * out.a_scale[r];
  v *= out.w_scale[j];
  if (out.bias) v += out.bias[j];
  if (out.accumulate) v += y;
  y = clamp_minmax(v, out.minmax);
}

}  // namespace

void qd8_f32_qc8w_gemm_4x8c2_scalar(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda,
                                    const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) {
      int32_t sum = 0;
      for (size_t i = 0; i < kp; ++i) {
        sum += int32_t{a[r * lda + i]} * int32_t{w[(i / kQd8PanelKr * kQd8PanelNr + j) * kQd8PanelKr + i % kQd8PanelKr]};
      }
      store_dequantized(sum, r, j, c[r * ldc + j], out);
    }
  }
}

void qu8_f32_qc8w_gemm_4x8c4_scalar(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                    const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) {
      int32_t sum = out.column_offset ? -out.column_offset[j] : 0;
      for (size_t i = 0; i < kp; ++i) {
        sum += int32_t{a[r * lda + i]} * int32_t{w[(i / kQu8PanelKr * kQd8PanelNr + j) * kQu8PanelKr + i % kQu8PanelKr]};
      }
      store_dequantized(sum, r, j, c[r * ldc + j], out);
    }
  }
}

void qd8_f32_qc8w_gemm_scalar(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda, const int8_t* w,
                              size_t ldw, float* c, size_t ldc, const Qd8Output& out) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) {
      int32_t sum = 0;
      for (size_t i = 0; i < kp; ++i) sum += int32_t{a[r * lda + i]} * int32_t{w[j * ldw + i]};
      store_dequantized(sum, r, j, c[r * ldc + j], out);
    }
  }
}

}  // namespace wt
