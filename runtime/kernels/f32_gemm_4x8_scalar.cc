// Scalar reference tiles for the SIMD128 GEMM microkernels, and the kernels of builds without SIMD.
#include <cstring>

#include "kernels/f32_gemm.h"
#include "kernels/simd128.h"

namespace wt {
namespace {

template <size_t kRows>
void gemm_tile_scalar(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                      const F32GemmOutput& out) {
  float acc[kRows][kGemmNr] = {};
  for (size_t p = 0; p < k; ++p) {
    for (size_t r = 0; r < kRows; ++r) {
      const float av = a[r * lda + p];
      for (size_t j = 0; j < kGemmNr; ++j) acc[r][j] += av * b[p * ldb + j];
    }
  }
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t j = 0; j < kGemmNr; ++j) c[r * ldc + j] = gemm_finish_value(acc[r][j], c[r * ldc + j], r, j, out);
  }
}

}  // namespace

void f32_gemm_4x8_scalar(size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc,
                         const F32GemmOutput& out) {
  gemm_tile_scalar<kGemmMr>(k, a, lda, b, ldb, c, ldc, out);
}

void f32_gemm_1x8_scalar(size_t k, const float* a, const float* b, size_t ldb, float* c, const F32GemmOutput& out) {
  gemm_tile_scalar<1>(k, a, 0, b, ldb, c, 0, out);
}

void f32_gemm_dot_scalar(size_t rows, size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                         const F32GemmOutput& out) {
  for (size_t r = 0; r < rows; ++r) {
    float sum = 0.f;
    for (size_t p = 0; p < k; ++p) sum += a[r * lda + p] * b[p];
    c[r * ldc] = gemm_finish_value(sum, c[r * ldc], r, 0, out);
  }
}

void f32_gemm_4x8_panels_scalar(size_t k, const float* a, size_t lda, const float* b, size_t panel_stride,
                                size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, panels, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    f32_gemm_4x8_scalar(k, a, lda, bq, kGemmNr, cq, ldc, o);
  });
}

void f32_igemm_4x8_panels_scalar(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                 size_t panel_stride, size_t panels, float* c, size_t ldc, const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, panels, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    for (size_t r = 0; r < rows; ++r) {
      for (size_t j = 0; j < kGemmNr; ++j) {
        float sum = 0.f;
        for (size_t t = 0; t < taps; ++t) {
          for (size_t p = 0; p < kc; ++p) sum += a[t * kGemmMr + r][p] * bq[(t * kc + p) * kGemmNr + j];
        }
        cq[r * ldc + j] = gemm_finish_value(sum, cq[r * ldc + j], r, j, o);
      }
    }
  });
}

void f32_igemm_4x8_group_pairs_scalar(size_t rows, size_t taps, size_t kc, const float* const* a, const float* b,
                                      size_t panel_stride, float* c, size_t ldc, const F32GemmOutput& out) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < kGemmNr; ++j) {
      const size_t group = j / 4, lane = j % 4;
      const float* panel = b + group * panel_stride;
      float sum = 0.f;
      for (size_t t = 0; t < taps; ++t) {
        const float* row = a[t * kGemmMr + r] + group * kc;
        for (size_t p = 0; p < kc; ++p) sum += row[p] * panel[(t * kc + p) * kGemmNr + lane];
      }
      c[r * ldc + j] = gemm_finish_value(sum, c[r * ldc + j], r, j, out);
    }
  }
}

void f32_gemm_1x32_scalar(size_t k, const float* a, const float* b, size_t panel_stride, size_t ldb, float* c,
                          const F32GemmOutput& out) {
  for_each_panel(b, panel_stride, 4, c, out, [&](const float* bq, float* cq, const F32GemmOutput& o) {
    f32_gemm_1x8_scalar(k, a, bq, ldb, cq, o);
  });
}

void f32_f16w_gemm_1x32_scalar(size_t k, const float* a_scaled, const uint16_t* b, float out_scale, float* c,
                               const F32GemmOutput& out) {
  constexpr size_t kCols = 4 * kGemmNr;
  float acc[kCols] = {};
  for (size_t p = 0; p < k; ++p) {
    for (size_t j = 0; j < kCols; ++j) {
      const uint32_t h = b[p * kCols + j], bits = (h & 0x8000u) << 16 | (h & 0x7fffu) << 13;
      float w;  // the half times 2^-112
      std::memcpy(&w, &bits, sizeof w);
      acc[j] += a_scaled[p] * w;
    }
  }
  for (size_t j = 0; j < kCols; ++j) c[j] = gemm_finish_value(acc[j] * out_scale, c[j], 0, j, out);
}

void f32_gemv_4x1_scalar(size_t k, size_t n, const float* a, const float* b, size_t ldb, float* y,
                         const F32GemmOutput& out) {
  for (size_t j = 0; j < n; ++j) y[j] = 0.f;
  for (size_t p = 0; p < k; ++p) {
    for (size_t j = 0; j < n; ++j) y[j] += a[p] * b[p * ldb + j];
  }
  for (size_t j = 0; j < n; ++j) y[j] = gemm_finish_value(y[j], 0.f, 0, j, out);
}
}  // namespace wt
