// Helpers for *_simd.cpp kernels that read and write 8-bit interleaved RGB and floats in [0, 1]:
// N = 8 (AVX2) or 16 (AVX-512) pixels per vector. Internal linkage, as in simd_lanes.hpp: this
// header is compiled once per ISA flag set and the copies must not be merged by the linker.
#pragma once

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "kernels/isa_traits.hpp"

namespace matte::simd {
namespace {

using ByteMask = std::array<int8_t, 16>;  // _mm_shuffle_epi8 indices, -1 zeroes the byte

// N = 8 or 16 interleaved 8-bit RGB pixels are 3N bytes in 16-byte blocks (the last one half full
// for N = 8); each channel has one register, pixel j in byte j. Masks [block·3 + channel]: from a
// block to a channel (split), from a channel to a block (merge).
template <size_t N>
constexpr size_t kRgbBlocks = (3 * N + 15) / 16;

template <size_t N>
constexpr auto kSplitMasks = [] {
  std::array<ByteMask, 3 * kRgbBlocks<N>> masks{};
  for (size_t k = 0; k < kRgbBlocks<N>; ++k) {
    for (size_t c = 0; c < 3; ++c) {
      for (size_t j = 0; j < 16; ++j) {
        const size_t byte = 3 * j + c;
        masks[k * 3 + c][j] = j < N && byte / 16 == k ? static_cast<int8_t>(byte % 16) : int8_t{-1};
      }
    }
  }
  return masks;
}();

template <size_t N>
constexpr auto kMergeMasks = [] {
  std::array<ByteMask, 3 * kRgbBlocks<N>> masks{};
  for (size_t k = 0; k < kRgbBlocks<N>; ++k) {
    for (size_t c = 0; c < 3; ++c) {
      for (size_t j = 0; j < 16; ++j) {
        const size_t byte = 16 * k + j;
        masks[k * 3 + c][j] = byte < 3 * N && byte % 3 == c ? static_cast<int8_t>(byte / 3) : int8_t{-1};
      }
    }
  }
  return masks;
}();

template <size_t N>
struct Rgb8 {
  static constexpr size_t kBlocks = kRgbBlocks<N>;

  static __m128i mask(const ByteMask& m) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(m.data())); }
  static bool half_block(size_t k) { return 16 * (k + 1) > 3 * N; }

  static void split(const uint8_t* p, __m128i* ch) {
    ch[0] = ch[1] = ch[2] = _mm_setzero_si128();
    for (size_t k = 0; k < kBlocks; ++k) {
      const auto* q = reinterpret_cast<const __m128i*>(p + 16 * k);
      const __m128i b = half_block(k) ? _mm_loadl_epi64(q) : _mm_loadu_si128(q);
      for (size_t c = 0; c < 3; ++c) ch[c] = _mm_or_si128(ch[c], _mm_shuffle_epi8(b, mask(kSplitMasks<N>[k * 3 + c])));
    }
  }
  static void merge(const __m128i* ch, uint8_t* p) {
    for (size_t k = 0; k < kBlocks; ++k) {
      __m128i b = _mm_shuffle_epi8(ch[0], mask(kMergeMasks<N>[k * 3]));
      for (size_t c = 1; c < 3; ++c) b = _mm_or_si128(b, _mm_shuffle_epi8(ch[c], mask(kMergeMasks<N>[k * 3 + c])));
      auto* q = reinterpret_cast<__m128i*>(p + 16 * k);
      if (half_block(k)) _mm_storel_epi64(q, b);
      else _mm_storeu_si128(q, b);
    }
  }
};

// The zero-masked forms of AVX-512 conversions with every lane set: GCC 12 warns that the plain
// forms use an uninitialized value once inlined (GCC bug 105593).
constexpr __mmask16 kAll16 = 0xffff;

// Bytes 0..N-1 of v as floats.
template <class B>
B u8_lanes_to_float(__m128i v) {
  if constexpr (BatchIsa<B>::avx512) return _mm512_maskz_cvtepi32_ps(kAll16, _mm512_maskz_cvtepu8_epi32(kAll16, v));
  else return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v));
}

// to_u8 of every lane, into bytes 0..N-1.
template <class B>
__m128i to_u8_lanes(B v) {
  const B x = v * B(255.0f);
  if constexpr (BatchIsa<B>::avx512) {
    const __m512i t = _mm512_maskz_cvttps_epi32(kAll16, x);
    const __m512 back = _mm512_maskz_cvtepi32_ps(kAll16, t);
    const __mmask16 up = _mm512_cmp_ps_mask(_mm512_sub_ps(x, back), _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    return _mm512_maskz_cvtepi32_epi8(kAll16, _mm512_mask_add_epi32(t, up, t, _mm512_set1_epi32(1)));
  } else {
    const __m256i t = _mm256_cvttps_epi32(x);
    const __m256 up = _mm256_cmp_ps(_mm256_sub_ps(x, _mm256_cvtepi32_ps(t)), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256i r = _mm256_sub_epi32(t, _mm256_castps_si256(up));  // a true compare is -1
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    return _mm_packus_epi16(w, w);
  }
}

// a·b + c rounded once. Not xsimd::fma: for AVX-512 it is a·b + c left to the compiler to
// contract, which this file turns off.
template <class B>
B fmadd(B a, B b, B c) {
  if constexpr (BatchIsa<B>::avx512) return _mm512_fmadd_ps(a, b, c);
  else return _mm256_fmadd_ps(a, b, c);
}

// clamp01 (kernels/u8_pixels.h), operands ordered so -0 and NaN come out as there.
template <class B>
B clamp01(B v) {
  if constexpr (BatchIsa<B>::avx512) return _mm512_min_ps(_mm512_set1_ps(1.0f), _mm512_max_ps(_mm512_setzero_ps(), v));
  else return _mm256_min_ps(_mm256_set1_ps(1.0f), _mm256_max_ps(_mm256_setzero_ps(), v));
}

template <class B>
void store_bytes(uint8_t* p, __m128i v) {
  if constexpr (BatchIsa<B>::avx512) _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
  else _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v);
}

// The RGB source of N pixels from 8-bit interleaved ones (BGR when `bgr`), each as from_u8.
template <class B>
void load_rgb8(const uint8_t* p, bool bgr, B* s) {
  __m128i ch[3];
  Rgb8<B::size>::split(p, ch);
  if (bgr) std::swap(ch[0], ch[2]);
  for (size_t c = 0; c < 3; ++c) s[c] = u8_lanes_to_float<B>(ch[c]) / B(255.0f);
}

// to_u8 of N pixels' RGB floats, stored interleaved (BGR when `bgr`).
template <class B>
void store_rgb8(const B* f, bool bgr, uint8_t* p) {
  __m128i ch[3];
  for (size_t c = 0; c < 3; ++c) ch[c] = to_u8_lanes(f[c]);
  if (bgr) std::swap(ch[0], ch[2]);
  Rgb8<B::size>::merge(ch, p);
}

}  // namespace
}  // namespace matte::simd
