// Channel loops for *_simd.cpp: full xsimd batches, then 8- and 4-lane AVX/SSE vectors, then
// scalars, so short channel counts (3, 4, 40 on AVX-512) stay mostly vectorised without touching
// memory past the end. Everything here has internal linkage because this header is compiled once
// per ISA flag set and the copies must not be merged by the linker.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

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

}  // namespace
}  // namespace matte::simd
