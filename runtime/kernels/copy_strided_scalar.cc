#include <algorithm>
#include <cstring>

#include "kernels/copy_strided.h"

namespace wt {

void copy_strided_scalar(const StridedSpace& src, size_t base, size_t element_size, const uint8_t* x, uint8_t* y,
                         size_t begin, size_t end) {
  // The innermost dimension is walked directly; only row starts need the full index arithmetic.
  const size_t inner = src.rank ? src.size[src.rank - 1] : 1;
  const size_t inner_stride = src.rank ? src.stride[src.rank - 1] : 0;
  for (size_t i = begin; i < end;) {
    const size_t within = i % inner;
    const size_t run = (inner - within) < (end - i) ? inner - within : end - i;
    // Indices in size_t arithmetic (a flip's stride is negative, stored modulo 2^64), in range
    // before they meet a pointer.
    const size_t first = base + src.offset(i);
    uint8_t* to = y + i * element_size;
    if (inner_stride == 1) {
      std::memcpy(to, x + first * element_size, run * element_size);
    } else {
      for (size_t r = 0; r < run; ++r)
        std::memcpy(to + r * element_size, x + (first + r * inner_stride) * element_size, element_size);
    }
    i += run;
  }
}

namespace {

template <size_t kElement>
void transpose_tiles(size_t rows, size_t cols, const uint8_t* x, uint8_t* y, size_t begin, size_t end) {
  constexpr size_t kTile = 16;
  for (size_t out_row = begin; out_row < end;) {
    const size_t b = out_row / cols, j0 = out_row % cols, j1 = std::min(cols, j0 + std::min(kTile, end - out_row));
    const uint8_t* image = x + b * rows * cols * kElement;
    uint8_t* dst = y + b * rows * cols * kElement;
    for (size_t i0 = 0; i0 < rows; i0 += kTile) {
      const size_t i1 = std::min(rows, i0 + kTile);
      for (size_t j = j0; j < j1; ++j) {
        for (size_t i = i0; i < i1; ++i)
          std::memcpy(dst + (j * rows + i) * kElement, image + (i * cols + j) * kElement, kElement);
      }
    }
    out_row += j1 - j0;
  }
}

}  // namespace

void transpose_scalar(size_t rows, size_t cols, size_t element_size, const uint8_t* x, uint8_t* y, size_t begin,
                      size_t end) {
  switch (element_size) {
    case 1:
      return transpose_tiles<1>(rows, cols, x, y, begin, end);
    case 2:
      return transpose_tiles<2>(rows, cols, x, y, begin, end);
    case 4:
      return transpose_tiles<4>(rows, cols, x, y, begin, end);
    default:
      return transpose_tiles<8>(rows, cols, x, y, begin, end);
  }
}

}  // namespace wt
