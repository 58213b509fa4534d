// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp.
#include <algorithm>

#include "kernels/pool.h"
#include "kernels/simd_lanes.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

// Vectorised over channels; dividing by 1, 2 or 4 equals multiplying by its exact reciprocal.
// kC > 0 fixes the channel count at compile time so the channel loop of RGB images unrolls away.
template <class Arch, size_t kC>
void avgpool_2x2s2(const PoolParams& p, const float* x, size_t x_stride, float* y, size_t y_stride, size_t y_begin,
                   size_t y_end) {
  const size_t channels = kC > 0 ? kC : p.channels;
  const size_t row = p.in_w * x_stride, out_w = avgpool_2x2s2_output_size(p.in_w);
  for (size_t oy = y_begin; oy < y_end; ++oy) {
    const bool two_rows = 2 * oy + 1 < p.in_h;
    const float* in = x + 2 * oy * row;
    float* out = y + oy * out_w * y_stride;
    for (size_t ox = 0; ox < out_w; ++ox, in += 2 * x_stride, out += y_stride) {
      const bool two_cols = 2 * ox + 1 < p.in_w;
      const float scale = (two_rows ? 0.5f : 1.0f) * (two_cols ? 0.5f : 1.0f);
      for_lanes<Arch>(channels, [&](auto lanes, size_t c) {
        using L = decltype(lanes);
        // Same summation order as the reference: row by row.
        auto sum = L::load(in + c);
        if (two_cols) sum = L::add(sum, L::load(in + x_stride + c));
        if (two_rows) {
          sum = L::add(sum, L::load(in + row + c));
          if (two_cols) sum = L::add(sum, L::load(in + row + x_stride + c));
        }
        L::store(out + c, L::mul(sum, L::set1(scale)));
      });
    }
  }
}

template <class Arch>
void f32_avgpool_2x2s2(const PoolParams& p, const float* x, size_t x_stride, float* y, size_t y_stride, size_t y_begin,
                       size_t y_end) {
  switch (p.channels) {
    case 3: return avgpool_2x2s2<Arch, 3>(p, x, x_stride, y, y_stride, y_begin, y_end);
    case 4: return avgpool_2x2s2<Arch, 4>(p, x, x_stride, y, y_stride, y_begin, y_end);
    default: return avgpool_2x2s2<Arch, 0>(p, x, x_stride, y, y_stride, y_begin, y_end);
  }
}

// Channels in blocks of four vectors so four independent accumulation chains run per pixel; each
// channel is still summed pixel by pixel, as in the reference.
template <class Arch>
void f32_global_avgpool(const PoolParams& p, const float* x, size_t x_stride, float* y) {
  using B = xsimd::batch<float, Arch>;
  const size_t n = p.in_h * p.in_w;
  const float count = static_cast<float>(n);
  size_t c = 0;
  for (; c + 4 * B::size <= p.channels; c += 4 * B::size) {
    B s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
    const float* in = x + c;
    for (size_t i = 0; i < n; ++i, in += x_stride) {
      s0 += B::load_unaligned(in);
      s1 += B::load_unaligned(in + B::size);
      s2 += B::load_unaligned(in + 2 * B::size);
      s3 += B::load_unaligned(in + 3 * B::size);
    }
    (s0 / B(count)).store_unaligned(y + c);
    (s1 / B(count)).store_unaligned(y + c + B::size);
    (s2 / B(count)).store_unaligned(y + c + 2 * B::size);
    (s3 / B(count)).store_unaligned(y + c + 3 * B::size);
  }
  for_lanes<Arch>(p.channels - c, [&](auto lanes, size_t k) {
    using L = decltype(lanes);
    auto sum = L::set1(0.0f);
    const float* in = x + c + k;
    for (size_t i = 0; i < n; ++i, in += x_stride) sum = L::add(sum, L::load(in));
    L::store(y + c + k, L::div(sum, L::set1(count)));
  });
}

// Vectorised over channels; v > m ? v : m in the reference's window order, so NaNs land alike.
template <class Arch>
void f32_maxpool_3x3s2(const PoolParams& p, const float* x, size_t x_stride, float* y, size_t y_stride,
                       size_t y_begin, size_t y_end) {
  const size_t row = p.in_w * x_stride, out_w = maxpool_3x3s2_output_size(p.in_w);
  for (size_t oy = y_begin; oy < y_end; ++oy) {
    const size_t r0 = oy == 0 ? 0 : 2 * oy - 1, r1 = std::min(p.in_h, 2 * oy + 2);
    float* out = y + oy * out_w * y_stride;
    for (size_t ox = 0; ox < out_w; ++ox, out += y_stride) {
      const size_t c0 = ox == 0 ? 0 : 2 * ox - 1, c1 = std::min(p.in_w, 2 * ox + 2);
      const float* in = x + r0 * row + c0 * x_stride;
      for_lanes<Arch>(p.channels, [&](auto lanes, size_t c) {
        using L = decltype(lanes);
        auto m = L::load(in + c);
        for (size_t r = 0; r < r1 - r0; ++r)
          for (size_t s = 0; s < c1 - c0; ++s) m = L::max_of(L::load(in + r * row + s * x_stride + c), m);
        L::store(out + c, m);
      });
    }
  }
}

}  // namespace simd

template <class Arch>
PoolKernels pool_table() {
  return {.f32_avgpool_2x2s2 = simd::f32_avgpool_2x2s2<Arch>,
          .f32_global_avgpool = simd::f32_global_avgpool<Arch>,
          .f32_maxpool_3x3s2 = simd::f32_maxpool_3x3s2<Arch>};
}

template PoolKernels pool_table<MATTE_ARCH>();

}  // namespace matte
