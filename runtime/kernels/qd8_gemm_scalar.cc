// The references for qd8_gemm.h: every SIMD variant is tested to match them bit for bit (the sums
// are exact integers and the epilogue rounds in the same order).
#include <algorithm>
#include <cmath>

#include "kernels/qd8_gemm.h"

namespace wt {

namespace {

// The row quantized symmetrically (scale = max|x| / 127): put(i, q) for each i < k, q = 0 throughout
// a zero or non-finite row. Rounds to nearest even.
template <typename Put>
float quantize_row(size_t k, const float* x, Put put) {
  float amax = 0.f;
  for (size_t i = 0; i < k; ++i) {
    const float v = std::fabs(x[i]);
    amax = (v > amax || v != v) ? v : amax;  // a NaN wins, as f32x4.max lets it
  }
  if (!std::isfinite(amax) || amax == 0.f) {
    for (size_t i = 0; i < k; ++i) put(i, 0);
    return amax == 0.f ? 0.f : NAN;  // a row with inf or NaN gives NaN outputs
  }
  const float inv = 127.f / amax;
  for (size_t i = 0; i < k; ++i) {
    const float q = std::nearbyint(x[i] * inv);
    put(i, static_cast<int>(q < -127.f ? -127.f : (q > 127.f ? 127.f : q)));
  }
  return amax / 127.f;
}

}  // namespace

float qd8_quantize_row_scalar(size_t k, size_t kp, const float* x, int16_t* xq) {
  std::fill(xq + k, xq + kp, int16_t{0});
  return quantize_row(k, x, [&](size_t i, int q) { xq[i] = static_cast<int16_t>(q); });
}

float qd8_quantize_row_to_halves_scalar(size_t k, size_t kp, const float* x, uint8_t* xh) {
  std::fill(xh + 2 * (k - k % kQu8PanelKr), xh + 2 * kp, uint8_t{0});
  return quantize_row(k, x, [&](size_t i, int q) { put_halves(xh, i, q + kQd8ByteZeroPoint); });
}

void qu8_quantize_row_to_halves_scalar(size_t k, size_t kp, const float* x, const Qu8Params& p, uint8_t* xh) {
  std::fill(xh + 2 * (k - k % kQu8PanelKr), xh + 2 * kp, uint8_t{0});
  for (size_t i = 0; i < k; ++i) put_halves(xh, i, qu8_quantize_one(x[i], p));
}

void qu8_bytes_to_halves_scalar(size_t kp, const uint8_t* u, uint8_t* xh) {
  for (size_t i = 0; i < kp; ++i) put_halves(xh, i, u[i]);
}

void qu8_quantize_scalar(size_t n, const float* x, const Qu8Params& p, int16_t* xq) {
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyint(x[i] * p.inv_scale);
    q = q != q ? 0.f : (q < p.lo ? p.lo : (q > p.hi ? p.hi : q));
    xq[i] = static_cast<int16_t>(q);
  }
}

void qu8_quantize_to_u8_scalar(size_t n, const float* x, const Qu8Params& p, uint8_t* xu) {
  for (size_t i = 0; i < n; ++i) xu[i] = qu8_quantize_one(x[i], p);
}

void qu8_widen_scalar(size_t n, const uint8_t* xu, int32_t zero_point, int16_t* xq) {
  for (size_t i = 0; i < n; ++i) xq[i] = static_cast<int16_t>(xu[i] - zero_point);
}

void qu8_dequantize_scalar(size_t n, const uint8_t* xu, int32_t zero_point, float scale, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(xu[i] - zero_point) * scale;
}

namespace {

// Output (r, j) through the epilogue, in the order every tile rounds in, into c[r * ldc + j] (or,
// requantizing, its byte).
void store_dequantized(int32_t sum, size_t r, size_t j, float* c, size_t ldc, const Qd8Output& out) {
  float v = static_cast<float>(sum) * out.a_scale[r];
  v *= out.w_scale[j];
  if (out.bias) v += out.bias[j];
  if (out.accumulate) v += c[r * ldc + j];
  v = clamp_minmax(v, out.minmax);
  if (out.requantize) {
    out.bytes[r * out.ld_bytes + j] = qu8_quantize_one(v, *out.requantize);
  } else {
    c[r * ldc + j] = v;
  }
}

// The byte tiles' reference: row r's value i is byte(a + r * lda, i).
template <typename Byte>
void qu8_gemm_5x8c4(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda, const int8_t* w, float* c,
                    size_t ldc, const Qd8Output& out, Byte byte) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) {
      int32_t sum = out.column_offset ? -out.column_offset[j] : 0;
      for (size_t i = 0; i < kp; ++i) {
        sum += byte(a + r * lda, i) * int32_t{w[(i / kQu8PanelKr * kQd8PanelNr + j) * kQu8PanelKr + i % kQu8PanelKr]};
      }
      store_dequantized(sum, r, j, c, ldc, out);
    }
  }
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
      store_dequantized(sum, r, j, c, ldc, out);
    }
  }
}

void qu8_f32_qc8w_gemm_5x8c4_scalar(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                    const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  qu8_gemm_5x8c4(rows, cols, kp, a, lda, w, c, ldc, out, [](const uint8_t* row, size_t i) { return int32_t{row[i]}; });
}

void qu8_f32_qc8w_gemm_5x8c4_split_scalar(size_t rows, size_t cols, size_t kp, const uint8_t* a, size_t lda,
                                          const int8_t* w, float* c, size_t ldc, const Qd8Output& out) {
  qu8_gemm_5x8c4(rows, cols, kp, a, lda, w, c, ldc, out, [](const uint8_t* row, size_t i) {
    const uint8_t* at = row + 2 * (i - i % kQu8PanelKr) + i % kQu8PanelKr;
    return int32_t{at[0]} + int32_t{at[kQu8PanelKr]};
  });
}

void qd8_f32_qc8w_gemm_scalar(size_t rows, size_t cols, size_t kp, const int16_t* a, size_t lda, const int8_t* w,
                              size_t ldw, float* c, size_t ldc, const Qd8Output& out) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < cols; ++j) {
      int32_t sum = 0;
      for (size_t i = 0; i < kp; ++i) sum += int32_t{a[r * lda + i]} * int32_t{w[j * ldw + i]};
      store_dequantized(sum, r, j, c, ldc, out);
    }
  }
}

}  // namespace wt
