// Helpers for *_simd.cpp: channel loops over full xsimd batches, then 8- and 4-lane AVX/SSE
// vectors, then scalars, so short channel counts (3, 4, 40 on AVX-512) stay mostly vectorised
// without touching memory past the end; masked loads and stores of a vector's first lanes;
// compile-time unrolling. Everything here has internal linkage because this header is compiled
// once per ISA flag set and the copies must not be merged by the linker.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "kernels/isa_traits.hpp"

namespace matte::simd {
namespace {

template <class B>
struct Lanes {
  using V = B;
  static V load(const float* p) { return B::load_unaligned(p); }
  static void store(float* p, V v) { v.store_unaligned(p); }
  static V set1(float s) { return V(s); }
  static V add(V a, V b) { return a + b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V fma(V a, V b, V c) { return xsimd::fma(a, b, c); }
  // a > b ? a : b per lane (b when either is NaN), as the SSE/AVX max instructions.
  static V max_of(V a, V b) { return xsimd::select(a > b, a, b); }
};

struct Lanes8 {
  using V = __m256;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float s) { return _mm256_set1_ps(s); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V max_of(V a, V b) { return _mm256_max_ps(a, b); }
};

struct Lanes4 {
  using V = __m128;
  static V load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, V v) { _mm_storeu_ps(p, v); }
  static V set1(float s) { return _mm_set1_ps(s); }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static V mul(V a, V b) { return _mm_mul_ps(a, b); }
  static V div(V a, V b) { return _mm_div_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm_fmadd_ps(a, b, c); }
  static V max_of(V a, V b) { return _mm_max_ps(a, b); }
};

struct Lanes1 {
  using V = float;
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V set1(float s) { return s; }
  static V add(V a, V b) { return a + b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V fma(V a, V b, V c) { return std::fma(a, b, c); }
  static V max_of(V a, V b) { return a > b ? a : b; }
};

// Calls f(lanes, c) for offsets c covering [0, n), with lanes one of the structs above.
template <class Arch, class F>
inline void for_lanes(size_t n, F&& f) {
  using B = xsimd::batch<float, Arch>;
  size_t c = 0;
  for (; c + B::size <= n; c += B::size) f(Lanes<B>{}, c);
  if constexpr (B::size > 8) {
    if (c + 8 <= n) {
      f(Lanes8{}, c);
      c += 8;
    }
  }
  if constexpr (B::size > 4) {
    if (c + 4 <= n) {
      f(Lanes4{}, c);
      c += 4;
    }
  }
  for (; c < n; ++c) f(Lanes1{}, c);
}

// f(integral_constant<size_t, i>) for i = 0..N-1, unrolled, so register arrays stay in registers.
template <size_t N, class F>
[[gnu::always_inline]] inline void unroll(F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<size_t, I>{}), ...); }
  (std::make_index_sequence<N>{});
}

// The first n lanes' mask for AVX masked loads and stores (n ≤ 8, or ≤ 4 for the 128-bit forms).
inline __m256i avx_first_mask(size_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Loads / stores the first n (≤ lane count) floats of a vector: masked below a full vector, so
// nothing past them is touched; the loaded lanes past n are zero.
template <class Arch>
xsimd::batch<float, Arch> load_n(const float* p, size_t n) {
  using B = xsimd::batch<float, Arch>;
  if (n == B::size) return B::load_unaligned(p);
  if constexpr (BatchIsa<B>::avx512) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p);
  } else {
    static_assert(B::size == 8);
    return _mm256_maskload_ps(p, avx_first_mask(n));
  }
}

template <class Arch>
void store_n(float* p, xsimd::batch<float, Arch> x, size_t n) {
  using B = xsimd::batch<float, Arch>;
  if (n == B::size) {
    x.store_unaligned(p);
  } else if constexpr (BatchIsa<B>::avx512) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), x);
  } else {
    static_assert(B::size == 8);
    _mm256_maskstore_ps(p, avx_first_mask(n), x);
  }
}

// 128-bit forms (n ≤ 4).
inline __m128 load_n4(const float* p, size_t n) {
  return n == 4 ? _mm_loadu_ps(p) : _mm_maskload_ps(p, _mm256_castsi256_si128(avx_first_mask(n)));
}

inline void store_n4(float* p, __m128 x, size_t n) {
  if (n == 4)
    _mm_storeu_ps(p, x);
  else
    _mm_maskstore_ps(p, _mm256_castsi256_si128(avx_first_mask(n)), x);
}

// out[i] lane j = rows[j] lane i.
[[gnu::always_inline]] inline void transpose8x8(const __m256* rows, __m256* out) {
  __m256 t[8], u[8];
  for (size_t j = 0; j < 8; j += 2) {
    t[j] = _mm256_unpacklo_ps(rows[j], rows[j + 1]);
    t[j + 1] = _mm256_unpackhi_ps(rows[j], rows[j + 1]);
  }
  for (size_t j = 0; j < 8; j += 4) {
    u[j] = _mm256_shuffle_ps(t[j], t[j + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[j + 1] = _mm256_shuffle_ps(t[j], t[j + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[j + 2] = _mm256_shuffle_ps(t[j + 1], t[j + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[j + 3] = _mm256_shuffle_ps(t[j + 1], t[j + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (size_t c = 0; c < 4; ++c) {
    out[c] = _mm256_permute2f128_ps(u[c], u[c + 4], 0x20);
    out[c + 4] = _mm256_permute2f128_ps(u[c], u[c + 4], 0x31);
  }
}

}  // namespace
}  // namespace matte::simd
