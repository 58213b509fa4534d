#include "kernels/pool.h"

#include <algorithm>

namespace matte {

namespace ref {

void f32_avgpool_2x2s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                       size_t row_begin, size_t row_end) {
  const size_t row = p.in_w * in_stride, out_w = avgpool_2x2s2_output_size(p.in_w);
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    const size_t rows = 2 * oy + 1 < p.in_h ? 2 : 1;
    for (size_t ox = 0; ox < out_w; ++ox) {
      const size_t cols = 2 * ox + 1 < p.in_w ? 2 : 1;
      const float* src = in + 2 * oy * row + 2 * ox * in_stride;
      float* dst = out + (oy * out_w + ox) * out_stride;
      const float count = static_cast<float>(rows * cols);
      for (size_t c = 0; c < p.channels; ++c) {
        // Window order, row by row, as ONNX Runtime sums it.
        float sum = 0.0f;
        for (size_t r = 0; r < rows; ++r)
          for (size_t s = 0; s < cols; ++s) sum += src[r * row + s * in_stride + c];
        dst[c] = sum / count;
      }
    }
  }
}

void f32_global_avgpool(const PoolParams& p, const float* in, size_t in_stride, float* out) {
  const size_t n = p.in_h * p.in_w;
  for (size_t c = 0; c < p.channels; ++c) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += in[i * in_stride + c];
    out[c] = sum / static_cast<float>(n);
  }
}

// The window's rows (or columns) [first, last) around output o, clipped to the image.
static void window_3s2(size_t o, size_t extent, size_t& first, size_t& last) {
  first = o == 0 ? 0 : 2 * o - 1;
  last = std::min(extent, 2 * o + 2);
}

void f32_maxpool_3x3s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                       size_t row_begin, size_t row_end) {
  const size_t out_w = maxpool_3x3s2_output_size(p.in_w);
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    size_t r0, r1;
    window_3s2(oy, p.in_h, r0, r1);
    for (size_t ox = 0; ox < out_w; ++ox) {
      size_t c0, c1;
      window_3s2(ox, p.in_w, c0, c1);
      float* dst = out + (oy * out_w + ox) * out_stride;
      for (size_t c = 0; c < p.channels; ++c) {
        float m = in[(r0 * p.in_w + c0) * in_stride + c];
        for (size_t r = r0; r < r1; ++r)
          for (size_t s = c0; s < c1; ++s) {
            const float v = in[(r * p.in_w + s) * in_stride + c];
            m = v > m ? v : m;
          }
        dst[c] = m;
      }
    }
  }
}

}  // namespace ref

PoolKernels pool_kernels(Isa isa) {
  return select_table(
      isa,
      [] {
        return PoolKernels{.f32_avgpool_2x2s2 = ref::f32_avgpool_2x2s2,
                           .f32_global_avgpool = ref::f32_global_avgpool,
                           .f32_maxpool_3x3s2 = ref::f32_maxpool_3x3s2};
      },
      [](auto arch) { return pool_table<decltype(arch)>(); });
}

const PoolKernels& pool() {
  static const PoolKernels table = pool_kernels(active_isa());
  return table;
}

}  // namespace matte
