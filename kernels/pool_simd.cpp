// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp.
#include <algorithm>

#include "kernels/pool.h"
#include "kernels/simd_lanes.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

// Vectorised over channels; dividing by 1, 2 or 4 equals multiplying by its exact reciprocal.
// kC > 0 fixes the channel count at compile time so the channel loop of RGB images unrolls away.
template <class Arch, size_t kC>
void avgpool_2x2s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                   size_t row_begin, size_t row_end) {
  const size_t channels = kC > 0 ? kC : p.channels;
  const size_t row = p.in_w * in_stride, out_w = avgpool_2x2s2_output_size(p.in_w);
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    const bool two_rows = 2 * oy + 1 < p.in_h;
    const float* src = in + 2 * oy * row;
    float* dst = out + oy * out_w * out_stride;
    for (size_t ox = 0; ox < out_w; ++ox, src += 2 * in_stride, dst += out_stride) {
      const bool two_cols = 2 * ox + 1 < p.in_w;
      const float scale = (two_rows ? 0.5f : 1.0f) * (two_cols ? 0.5f : 1.0f);
      for_lanes<Arch>(channels, [&](auto lanes, size_t c) {
        using L = decltype(lanes);
        // Same summation order as the reference: row by row.
        auto sum = L::load(src + c);
        if (two_cols) sum = L::add(sum, L::load(src + in_stride + c));
        if (two_rows) {
          sum = L::add(sum, L::load(src + row + c));
          if (two_cols) sum = L::add(sum, L::load(src + row + in_stride + c));
        }
        L::store(dst + c, L::mul(sum, L::set1(scale)));
      });
    }
  }
}

template <class Arch>
void f32_avgpool_2x2s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                       size_t row_begin, size_t row_end) {
  switch (p.channels) {
    case 3: return avgpool_2x2s2<Arch, 3>(p, in, in_stride, out, out_stride, row_begin, row_end);
    case 4: return avgpool_2x2s2<Arch, 4>(p, in, in_stride, out, out_stride, row_begin, row_end);
    default: return avgpool_2x2s2<Arch, 0>(p, in, in_stride, out, out_stride, row_begin, row_end);
  }
}

// Channels in blocks of four vectors so four independent accumulation chains run per pixel; each
// channel is still summed pixel by pixel, as in the reference.
template <class Arch>
void f32_global_avgpool(const PoolParams& p, const float* in, size_t in_stride, float* out) {
  using B = xsimd::batch<float, Arch>;
  const size_t n = p.in_h * p.in_w;
  const float count = static_cast<float>(n);
  size_t c = 0;
  for (; c + 4 * B::size <= p.channels; c += 4 * B::size) {
    B s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
    const float* src = in + c;
    for (size_t i = 0; i < n; ++i, src += in_stride) {
      s0 += B::load_unaligned(src);
      s1 += B::load_unaligned(src + B::size);
      s2 += B::load_unaligned(src + 2 * B::size);
      s3 += B::load_unaligned(src + 3 * B::size);
    }
    (s0 / B(count)).store_unaligned(out + c);
    (s1 / B(count)).store_unaligned(out + c + B::size);
    (s2 / B(count)).store_unaligned(out + c + 2 * B::size);
    (s3 / B(count)).store_unaligned(out + c + 3 * B::size);
  }
  for_lanes<Arch>(p.channels - c, [&](auto lanes, size_t k) {
    using L = decltype(lanes);
    auto sum = L::set1(0.0f);
    const float* src = in + c + k;
    for (size_t i = 0; i < n; ++i, src += in_stride) sum = L::add(sum, L::load(src));
    L::store(out + c + k, L::div(sum, L::set1(count)));
  });
}

// Vectorised over channels; v > m ? v : m in the reference's window order, so NaNs land alike.
template <class Arch>
void f32_maxpool_3x3s2(const PoolParams& p, const float* in, size_t in_stride, float* out, size_t out_stride,
                       size_t row_begin, size_t row_end) {
  const size_t row = p.in_w * in_stride, out_w = maxpool_3x3s2_output_size(p.in_w);
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    const size_t r0 = oy == 0 ? 0 : 2 * oy - 1, r1 = std::min(p.in_h, 2 * oy + 2);
    float* dst = out + oy * out_w * out_stride;
    for (size_t ox = 0; ox < out_w; ++ox, dst += out_stride) {
      const size_t c0 = ox == 0 ? 0 : 2 * ox - 1, c1 = std::min(p.in_w, 2 * ox + 2);
      const float* src = in + r0 * row + c0 * in_stride;
      for_lanes<Arch>(p.channels, [&](auto lanes, size_t c) {
        using L = decltype(lanes);
        auto m = L::load(src + c);
        for (size_t r = 0; r < r1 - r0; ++r)
          for (size_t s = 0; s < c1 - c0; ++s) m = L::max_of(L::load(src + r * row + s * in_stride + c), m);
        L::store(dst + c, m);
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
