// SIMD128 zip of two rows: four elements of each a step, interleaved by two shuffles.
#include "kernels/x32_zip.h"

#include "kernels/simd128.h"

namespace wt {

#if WT_HAVE_SIMD128

void x32_zip2_simd128(size_t cols, const X32Zip2Rows& rows, size_t batch_begin, size_t batch_end) {
  for (size_t b = batch_begin; b < batch_end; ++b) {
    const uint32_t* first = rows.first + b * rows.x_stride;
    const uint32_t* second = rows.second + b * rows.x_stride;
    uint32_t* out = rows.y + b * rows.y_stride;
    size_t j = 0;
    for (; j + 4 <= cols; j += 4) {
      const v128_t a = wasm_v128_load(first + j);
      const v128_t c = wasm_v128_load(second + j);
      wasm_v128_store(out + 2 * j, wasm_i32x4_shuffle(a, c, 0, 4, 1, 5));
      wasm_v128_store(out + 2 * j + 4, wasm_i32x4_shuffle(a, c, 2, 6, 3, 7));
    }
    for (; j < cols; ++j) {
      out[2 * j] = first[j];
      out[2 * j + 1] = second[j];
    }
  }
}

#endif  // WT_HAVE_SIMD128

}  // namespace wt
