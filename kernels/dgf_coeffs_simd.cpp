// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp.
//
// Vectorised across pixels: each row's source, y and hidden features are turned into planes in
// the caller's scratch by 8×8 transposes (statistics with a zero column either side and zero rows
// outside the image, so the box filter needs no bounds checks), every vector of pixels runs the
// whole chain with the weights broadcast, and [A | b] goes back to pixels by 8×8 transposes. The
// last three rows of statistics stay in a ring, so each is computed once per band; while a row
// computes, the next one's pixels are prefetched (the inputs are channel slices of wide buffers
// that rarely sit in cache). What the reference rounds separately is rounded separately here too,
// except mean_xy − mean_x·mean_y, mean_xx − mean_x·mean_x and mean_y − A·mean_x: explicit fused
// multiply-adds (GCC would contract them anyway).
#include <algorithm>

#include "kernels/dgf_coeffs.h"
#include "kernels/isa_traits.hpp"
#include "kernels/simd_lanes.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

// Accumulators one block of outputs keeps in registers: 16 of AVX-512's 32, 8 of AVX2's 16.
template <class B>
constexpr size_t kOutBlock = BatchIsa<B>::vector_registers / 2;

// out = act(in·W + bias) for the packed [cin][cout] W and its bias, summed over cin in order.
template <class B, size_t Cin, size_t Cout, bool Relu>
void conv(const B* in, const float* packed, B* out) {
  constexpr size_t block = std::min(Cout, kOutBlock<B>);
  for (size_t o0 = 0; o0 < Cout; o0 += block) {
    B acc[block];
    for (size_t o = 0; o < block; ++o) acc[o] = B(packed[Cin * Cout + o0 + o]);
    for (size_t i = 0; i < Cin; ++i)
#pragma GCC unroll 16
      for (size_t o = 0; o < block; ++o) acc[o] = xsimd::fma(in[i], B(packed[i * Cout + o0 + o]), acc[o]);
    // ReLU as std::max(x, 0) (x unless x < 0); xsimd::max would also trip GCC bug 105593.
    for (size_t o = 0; o < block; ++o)
      out[o0 + o] = Relu ? xsimd::select(acc[o] < B(0.0f), B(0.0f), acc[o]) : acc[o];
  }
}

// A row of `w` pixels split into planes, channel c (< channels) to planes[c]: eight pixels by
// eight channels at a time through a transpose (several times cheaper than gathers on AMD Zen 4),
// masked loads for fewer than eight channels, the last w % 8 pixels one by one.
void to_planes(const float* row, size_t w, size_t stride, size_t channels, float* const* planes) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  size_t x = 0;
  for (; x + 8 <= w; x += 8) {
    for (size_t c0 = 0; c0 < channels; c0 += 8) {
      const size_t n = std::min<size_t>(8, channels - c0);
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lane);
      __m256 pixels[8], channel[8];
      for (size_t j = 0; j < 8; ++j) {
        const float* px = row + (x + j) * stride + c0;
        pixels[j] = n == 8 ? _mm256_loadu_ps(px) : _mm256_maskload_ps(px, mask);
      }
      transpose8x8(pixels, channel);
      for (size_t k = 0; k < n; ++k) _mm256_storeu_ps(planes[c0 + k] + x, channel[k]);
    }
  }
  for (; x < w; ++x)
    for (size_t c = 0; c < channels; ++c) planes[c][x] = row[x * stride + c];
}

template <class Arch>
struct Rows {
  using B = xsimd::batch<float, Arch>;
  static constexpr size_t N = B::size;

  const DgfCoeffsParams& p;
  const float* packed;
  size_t plane;
  float* stats;   // 3 slots of kDgfStats planes; row r in slot (r + 1) % 3
  float* hidden;  // kDgfHidden planes

  float* slot(size_t r_plus_1) const { return stats + (r_plus_1 % 3) * kDgfStats * plane; }

  // Statistics of row r (r_plus_1 = r + 1), at plane index x + 1 for column x.
  void statistics(size_t r_plus_1) const {
    float* t = slot(r_plus_1);
    if (r_plus_1 == 0 || r_plus_1 > p.h) {
      std::fill_n(t, kDgfStats * plane, 0.0f);
      return;
    }
    const size_t i0 = (r_plus_1 - 1) * p.w;
    // The planes read from memory, zero around the row; the others follow from them.
    float* const x_planes[3] = {t + 1, t + plane + 1, t + 2 * plane + 1};
    float* const y_planes[4] = {t + 4 * plane + 1, t + 5 * plane + 1, t + 6 * plane + 1, t + 7 * plane + 1};
    to_planes(p.src + i0 * p.src_stride, p.w, p.src_stride, 3, x_planes);
    to_planes(p.coarse + i0 * p.coarse_stride, p.w, p.coarse_stride, 4, y_planes);
    for (float* d : {t, t + plane, t + 2 * plane, t + 4 * plane, t + 5 * plane, t + 6 * plane, t + 7 * plane}) {
      d[0] = 0.0f;
      std::fill(d + p.w + 1, d + plane, 0.0f);
    }
    const B three(3.0f);
    for (size_t j = 0; j < plane; j += N) {
      B x[4];
      for (size_t c = 0; c < 3; ++c) x[c] = B::load_unaligned(t + c * plane + j);
      x[3] = (x[0] + x[1] + x[2]) / three;
      x[3].store_unaligned(t + 3 * plane + j);
      for (size_t c = 0; c < 4; ++c) {
        const B y = B::load_unaligned(t + (4 + c) * plane + j);
        (x[c] * y).store_unaligned(t + (8 + c) * plane + j);
        (x[c] * x[c]).store_unaligned(t + (12 + c) * plane + j);
      }
    }
  }

  void load_hidden(size_t y) const {
    float* planes[kDgfHidden];
    for (size_t c = 0; c < kDgfHidden; ++c) {
      planes[c] = hidden + c * plane;
      std::fill(planes[c] + p.w, planes[c] + plane, 0.0f);
    }
    to_planes(p.hidden + y * p.w * p.hidden_stride, p.w, p.hidden_stride, kDgfHidden, planes);
  }

  // [A | b] of `count` (<= 8) pixels from `ab` on, from lanes [Lane, Lane + 8) of v.
  template <size_t Lane>
  void store8(const B* v, float* ab, size_t count) const {
    __m256 rows[kDgfOut], out[kDgfOut];
    for (size_t c = 0; c < kDgfOut; ++c) {
      if constexpr (N == 8)
        rows[c] = v[c];
      else
        rows[c] = _mm512_extractf32x8_ps(v[c], Lane / 8);
    }
    transpose8x8(rows, out);
    for (size_t j = 0; j < count; ++j) _mm256_storeu_ps(ab + j * p.ab_stride, out[j]);
  }

  // The channels of pixels [x, x + N) of image row `row` into L2: only their cache lines, not
  // the other channels' between them. Inlined: GCC deems a function that only prefetches free of
  // effects and drops calls to it.
  [[gnu::always_inline]] void prefetch(const float* image, size_t stride, size_t channels, size_t row,
                                       size_t x) const {
    if (row >= p.h) return;
    const float* px = image + (row * p.w + x) * stride;
    for (size_t j = x; j < std::min(x + N, p.w); ++j, px += stride) {
      _mm_prefetch(reinterpret_cast<const char*>(px), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(px + channels - 1), _MM_HINT_T1);
    }
  }

  // Columns [x, x + N) of row y; past the row they compute from zeros and are not stored. The
  // pixels the next row will read are fetched meanwhile.
  void columns(size_t y, size_t x) const {
    prefetch(p.src, p.src_stride, 3, y + 2, x);
    prefetch(p.coarse, p.coarse_stride, 4, y + 2, x);
    prefetch(p.hidden, p.hidden_stride, kDgfHidden, y + 1, x);
    const float* rows[3] = {slot(y), slot(y + 1), slot(y + 2)};
    // Per box channel, its nine weights broadcast once for its four statistics: four independent
    // chains of nine dependent multiply-adds.
    constexpr size_t kGroups = kDgfStats / kDgfBoxChannels;
    B mean[kDgfStats];
    for (size_t c = 0; c < kDgfBoxChannels; ++c) {
      B w[kDgfTaps], acc[kGroups];
      for (size_t t = 0; t < kDgfTaps; ++t) w[t] = B(packed[kDgfPackedBox + c * kDgfTaps + t]);
      for (size_t g = 0; g < kGroups; ++g) acc[g] = B(0.0f);
#pragma GCC unroll 3
      for (size_t ky = 0; ky < 3; ++ky)
#pragma GCC unroll 3
        for (size_t kx = 0; kx < 3; ++kx)
#pragma GCC unroll 4
          for (size_t g = 0; g < kGroups; ++g) {
            const float* r = rows[ky] + (g * kDgfBoxChannels + c) * plane + x + kx;
            acc[g] = xsimd::fma(B::load_unaligned(r), w[ky * 3 + kx], acc[g]);
          }
      for (size_t g = 0; g < kGroups; ++g) mean[g * kDgfBoxChannels + c] = acc[g];
    }
    B in[kDgfIn], mid0[kDgfMid], mid1[kDgfMid], ab[kDgfOut];
    for (size_t c = 0; c < 4; ++c) {
      in[c] = xsimd::fnma(mean[c], mean[4 + c], mean[8 + c]);
      in[4 + c] = xsimd::fnma(mean[c], mean[c], mean[12 + c]);
    }
    for (size_t c = 0; c < kDgfHidden; ++c) in[8 + c] = B::load_unaligned(hidden + c * plane + x);
    conv<B, kDgfIn, kDgfMid, true>(in, packed + kDgfPackedConv0, mid0);
    conv<B, kDgfMid, kDgfMid, true>(mid0, packed + kDgfPackedConv3, mid1);
    conv<B, kDgfMid, kDgfA, false>(mid1, packed + kDgfPackedConv6, ab);
    for (size_t c = 0; c < 4; ++c) ab[4 + c] = xsimd::fnma(ab[c], mean[c], mean[4 + c]);
    const size_t count = std::min(N, p.w - x);
    float* out = p.ab + (y * p.w + x) * p.ab_stride;
    store8<0>(ab, out, std::min<size_t>(count, 8));
    if constexpr (N == 16) {
      if (count > 8) store8<8>(ab, out + 8 * p.ab_stride, count - 8);
    }
  }
};

}  // namespace

template <class Arch>
void f32_dgf_coeffs(const DgfCoeffsParams& p, const float* packed, float* scratch, size_t row_begin, size_t row_end) {
  if (row_begin >= row_end) return;
  const size_t plane = dgf_plane(p.w);
  const Rows<Arch> rows{p, packed, plane, scratch, scratch + 3 * kDgfStats * plane};
  rows.statistics(row_begin);
  rows.statistics(row_begin + 1);
  for (size_t y = row_begin; y < row_end; ++y) {
    rows.statistics(y + 2);
    rows.load_hidden(y);
    for (size_t x = 0; x < p.w; x += Rows<Arch>::N) rows.columns(y, x);
  }
}

}  // namespace simd

template <class Arch>
DgfCoeffsKernels dgf_coeffs_table() {
  return {.f32_dgf_coeffs = simd::f32_dgf_coeffs<Arch>};
}

template DgfCoeffsKernels dgf_coeffs_table<MATTE_ARCH>();

}  // namespace matte
