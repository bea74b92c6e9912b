// The three 1-D transforms of Winograd F(4x4, 3x3), applied along rows and then columns. Written
// once over a value type T: float in the scalar kernels, four lanes (F32x4, simd128.h) in SIMD128 ones.
#pragma once

#include <cstddef>

namespace wt::winograd {

constexpr size_t kIn = 6;  // input tile side: 4 outputs + 3 taps - 1

// B^T applied to 6 values at stride s (a row or a column of a 6x6 tile).
template <typename T>
inline void input_transform_6(const T* d, size_t s, T* r, size_t rs) {
  const T d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
  r[0] = d0 * 4.f - d2 * 5.f + d4;
  r[rs] = d3 + d4 - (d1 + d2) * 4.f;
  r[2 * rs] = (d1 - d2) * 4.f - d3 + d4;
  r[3 * rs] = (d3 - d1) * 2.f - d2 + d4;
  r[4 * rs] = (d1 - d3) * 2.f - d2 + d4;
  r[5 * rs] = d1 * 4.f - d3 * 5.f + d5;
}

// A^T applied to 6 values at stride s.
template <typename T>
inline void output_transform_6(const T* m, size_t s, T* o, size_t os) {
  const T m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s], m5 = m[5 * s];
  const T p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
  o[0] = m0 + p12 + p34;
  o[os] = d12 + d34 * 2.f;
  o[2 * os] = p12 + p34 * 4.f;
  o[3 * os] = d12 + d34 * 8.f + m5;
}

// G applied to 3 values at stride s.
template <typename T>
inline void weight_transform_3(const T* g, size_t s, T* u, size_t us) {
  const T g0 = g[0], g1 = g[s], g2 = g[2 * s];
  const T g02 = g0 + g2;
  u[0] = g0 * 0.25f;
  u[us] = (g02 + g1) * (-1.f / 6.f);
  u[2 * us] = (g02 - g1) * (-1.f / 6.f);
  u[3 * us] = g0 * (1.f / 24.f) + g1 * (1.f / 12.f) + g2 * (1.f / 6.f);
  u[4 * us] = g0 * (1.f / 24.f) - g1 * (1.f / 12.f) + g2 * (1.f / 6.f);
  u[5 * us] = g2;
}

// The 6x6 transformed weights r of one 3x3 kernel g (row-major both): G g G^T.
template <typename T>
inline void weight_tile(const T* g, T* r) {
  T t[kIn * 3];
  for (size_t x = 0; x < 3; ++x) weight_transform_3(g + x, 3, t + x, 3);              // G g: 6x3
  for (size_t y = 0; y < kIn; ++y) weight_transform_3(t + y * 3, 1, r + y * kIn, 1);  // (G g) G^T: 6x6
}

}  // namespace wt::winograd
