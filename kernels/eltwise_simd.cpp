// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs. Built with -ffp-contract=off (kernels/CMakeLists.txt)
// so that f32_vgru_update rounds each product as the scalar formula does; the kernels meant to
// fuse say so with fused().
#include <algorithm>
#include <cmath>
#include <immintrin.h>
#include <type_traits>

#include "kernels/eltwise.h"
#include "kernels/isa_traits.hpp"
#include "kernels/simd_act.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

template <class Arch>
void f32_vunary(size_t n, const float* in, float* out, Act act) {
  using B = xsimd::batch<float, Arch>;
  with_act(act, [&](auto tag) {
    constexpr Act A = decltype(tag)::value;
    size_t i = 0;
    for (; i + B::size <= n; i += B::size) act_apply<A>(B::load_unaligned(in + i)).store_unaligned(out + i);
    for (; i < n; ++i) out[i] = act_apply<A>(in[i]);
  });
}

template <class Arch>
void f32_vclamp(size_t n, const float* in, float* out, float lo, float hi) {
  using B = xsimd::batch<float, Arch>;
  const B vlo(lo), vhi(hi);
  size_t i = 0;
  for (; i + B::size <= n; i += B::size)
    xsimd::min(xsimd::max(B::load_unaligned(in + i), vlo), vhi).store_unaligned(out + i);
  for (; i < n; ++i) out[i] = std::min(std::max(in[i], lo), hi);
}

// out[i] = op(a[i], b[i], ...) with a scalar tail; `op` is generic so both parts share one formula.
template <class Arch, class Op, class... In>
inline void vmap(size_t n, float* out, Op op, const In*... in) {
  using B = xsimd::batch<float, Arch>;
  size_t i = 0;
  for (; i + B::size <= n; i += B::size) op(B::load_unaligned(in + i)...).store_unaligned(out + i);
  for (; i < n; ++i) out[i] = op(in[i]...);
}

// a·b + c rounded once, on vectors and on the scalar tail alike. Not xsimd::fma: for AVX-512 it is
// a·b + c left to the compiler to contract, which this file turns off.
template <class T>
T fused(T a, T b, T c) {
  if constexpr (std::is_same_v<T, float>) return std::fma(a, b, c);
  else if constexpr (BatchIsa<T>::avx512) return _mm512_fmadd_ps(a, b, c);
  else return _mm256_fmadd_ps(a, b, c);
}

template <class Arch>
void f32_vadd(size_t n, const float* a, const float* b, float* out) {
  vmap<Arch>(n, out, [](auto u, auto v) { return u + v; }, a, b);
}

template <class Arch>
void f32_vsub(size_t n, const float* a, const float* b, float* out) {
  vmap<Arch>(n, out, [](auto u, auto v) { return u - v; }, a, b);
}

template <class Arch>
void f32_vmul(size_t n, const float* a, const float* b, float* out) {
  vmap<Arch>(n, out, [](auto u, auto v) { return u * v; }, a, b);
}

template <class Arch>
void f32_vmuladd(size_t n, const float* a, const float* b, const float* c, float* out) {
  vmap<Arch>(n, out, [](auto u, auto v, auto w) { return fused(u, v, w); }, a, b, c);
}

template <class Arch>
void f32_vaffine(size_t n, const float* in, float* out, float a, float b) {
  vmap<Arch>(n, out, [a, b](auto v) { return fused(decltype(v)(a), v, decltype(v)(b)); }, in);
}

template <class Arch>
void f32_vgru_update(size_t n, const float* z, const float* h, const float* c, float* out) {
  vmap<Arch>(n, out, [](auto zz, auto hh, auto cc) { return (decltype(zz)(1.0f) - zz) * hh + zz * cc; }, z, h, c);
}

// Packed RGB (3 channels, stride 3) is the guided filter's case: 8 pixels come in as 3 vectors
// and are de-interleaved with blends and permutes (AVX2, also used by the AVX-512 build). Gathers
// measured slower than scalar code on AMD Zen 4, so other layouts stay scalar.
template <class Arch>
void f32_channel_mean(size_t n, size_t channels, const float* in, size_t in_stride, float* out, size_t out_stride) {
  size_t i = 0;
  if (channels == 3 && in_stride == 3) {
    // After the blends lane k holds channel c of pixel p; these put pixel j in lane j.
    const __m256i r_perm = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5);
    const __m256i g_perm = _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6);
    const __m256i b_perm = _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7);
    const __m256 three = _mm256_set1_ps(3.0f);
    for (; i + 8 <= n; i += 8) {
      const __m256 v0 = _mm256_loadu_ps(in + 3 * i), v1 = _mm256_loadu_ps(in + 3 * i + 8),
                   v2 = _mm256_loadu_ps(in + 3 * i + 16);
      const __m256 r = _mm256_blend_ps(_mm256_blend_ps(v0, v1, 0b10010010), v2, 0b00100100);
      const __m256 g = _mm256_blend_ps(_mm256_blend_ps(v0, v1, 0b00100100), v2, 0b01001001);
      const __m256 b = _mm256_blend_ps(_mm256_blend_ps(v0, v1, 0b01001001), v2, 0b10010010);
      __m256 sum = _mm256_add_ps(_mm256_permutevar8x32_ps(r, r_perm), _mm256_permutevar8x32_ps(g, g_perm));
      sum = _mm256_div_ps(_mm256_add_ps(sum, _mm256_permutevar8x32_ps(b, b_perm)), three);
      if (out_stride == 1) {
        _mm256_storeu_ps(out + i, sum);
      } else {
        alignas(32) float lane[8];
        _mm256_store_ps(lane, sum);
        for (size_t j = 0; j < 8; ++j) out[(i + j) * out_stride] = lane[j];
      }
    }
  }
  for (; i < n; ++i) {
    float sum = 0.0f;
    for (size_t c = 0; c < channels; ++c) sum += in[i * in_stride + c];
    out[i * out_stride] = sum / static_cast<float>(channels);
  }
}

}  // namespace simd

template <class Arch>
EltwiseKernels eltwise_table() {
  return {.f32_vunary = simd::f32_vunary<Arch>,
          .f32_vclamp = simd::f32_vclamp<Arch>,
          .f32_vadd = simd::f32_vadd<Arch>,
          .f32_vsub = simd::f32_vsub<Arch>,
          .f32_vmul = simd::f32_vmul<Arch>,
          .f32_vmuladd = simd::f32_vmuladd<Arch>,
          .f32_vaffine = simd::f32_vaffine<Arch>,
          .f32_vgru_update = simd::f32_vgru_update<Arch>,
          .f32_channel_mean = simd::f32_channel_mean<Arch>};
}

template EltwiseKernels eltwise_table<MATTE_ARCH>();

}  // namespace matte
