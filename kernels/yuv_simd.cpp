// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp.
#include "kernels/simd_rgb8.hpp"
#include "kernels/yuv.h"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

// Rounded half to even (the default rounding mode, as std::nearbyint), saturated to bytes 0..N-1.
template <class B>
__m128i round_to_u8_lanes(B v) {
  if constexpr (BatchIsa<B>::avx512) {
    return _mm512_maskz_cvtusepi32_epi8(kAll16, _mm512_maskz_cvtps_epi32(kAll16, v));
  } else {
    const __m256i t = _mm256_cvtps_epi32(v);
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    return _mm_packus_epi16(w, w);
  }
}

// The N sums of 2×2 blocks from two halves of N pixels each (their N/2 pair sums per row), as floats.
template <class B>
B block_sums(__m128i half0, __m128i half1) {
  if constexpr (BatchIsa<B>::avx512) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(_mm256_set_m128i(half1, half0)));
  } else {
    return _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm_unpacklo_epi64(half0, half1)));
  }
}

template <class B>
B sample(float cr, float cg, float cb, float offset, B r, B g, B b) {
  return fmadd(B(cr), r, fmadd(B(cg), g, fmadd(B(cb), b, B(offset))));
}

}  // namespace

// 2N pixels of two rows per step: their luma, then N chroma samples from 2×2 block sums (pair sums
// of bytes with maddubs, exact in 16 bits). The tail takes the reference's per-sample path.
template <class Arch>
void u8_rgb_to_yuv420(const RgbImage8& in, const Yuv420Planes& out, size_t row_begin, size_t row_end) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t N = B::size;
  const size_t r = in.bgr ? 2 : 0, b = 2 - r;
  const __m128i ones = _mm_set1_epi8(1);
  for (size_t cy = row_begin; cy < row_end; ++cy) {
    const size_t y0 = 2 * cy, y1 = y0 + 1 < in.height ? y0 + 1 : y0;
    const uint8_t* rows[2] = {in.data + y0 * in.row_stride, in.data + y1 * in.row_stride};
    uint8_t* luma[2] = {out.y + y0 * out.y_stride, out.y + y1 * out.y_stride};
    uint8_t* u = out.u + cy * out.u_stride;
    uint8_t* v = out.v + cy * out.v_stride;
    size_t i = 0;
    for (; i + 2 * N <= in.width; i += 2 * N) {
      __m128i pairs[3][2] = {};  // [channel][half]: pair sums of both rows
      for (size_t k = 0; k < 2; ++k) {
        for (size_t h = 0; h < 2; ++h) {
          __m128i ch[3];
          Rgb8<N>::split(rows[k] + 3 * (i + h * N), ch);
          const B lum = sample(Bt601::yr, Bt601::yg, Bt601::yb, 16.0f, u8_lanes_to_float<B>(ch[r]),
                               u8_lanes_to_float<B>(ch[1]), u8_lanes_to_float<B>(ch[b]));
          // An odd last row is its own pair: written once, counted twice.
          if (k == 0 || y1 != y0) store_bytes<B>(luma[k] + i + h * N, round_to_u8_lanes(lum));
          for (size_t c = 0; c < 3; ++c) pairs[c][h] = _mm_add_epi16(pairs[c][h], _mm_maddubs_epi16(ch[c], ones));
        }
      }
      B sums[3];
      for (size_t c = 0; c < 3; ++c) sums[c] = block_sums<B>(pairs[c][0], pairs[c][1]);
      store_bytes<B>(u + i / 2,
                     round_to_u8_lanes(sample(Bt601::ur, Bt601::ug, Bt601::ub, 128.0f, sums[r], sums[1], sums[b])));
      store_bytes<B>(v + i / 2,
                     round_to_u8_lanes(sample(Bt601::vr, Bt601::vg, Bt601::vb, 128.0f, sums[r], sums[1], sums[b])));
    }
    yuv420_luma(rows[0], r, b, luma[0], i, in.width);
    if (y1 != y0) yuv420_luma(rows[1], r, b, luma[1], i, in.width);
    yuv420_chroma(rows[0], rows[1], in.width, r, b, u, v, i / 2);
  }
}

}  // namespace simd

template <class Arch>
YuvKernels yuv_table() {
  return {.u8_rgb_to_yuv420 = simd::u8_rgb_to_yuv420<Arch>};
}

template YuvKernels yuv_table<MATTE_ARCH>();

}  // namespace matte
