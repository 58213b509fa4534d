// The GEMM's narrow path for Cout ≤ 4 (the mattes' and the guided filter's last convolutions),
// which the panel layout would run on a quarter of each AVX-512 vector. Here a vector holds
// G = L/4 groups of the 4 output channels, group g summing input channel 4g + j of each step j
// (j < 4) of a block of L channels: one in-lane permute spreads the input there, and the groups are
// added up once per pixel at the end. Include only from gemm_simd.cpp (built per ISA).
#pragma once

#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/simd_act.hpp"
#include "kernels/simd_lanes.hpp"

namespace matte::simd::inline MATTE_ISA_NAMESPACE {

constexpr size_t kNarrowCout = 4;
// Pixels per step: their independent accumulator chains and reductions interleave, where 4 would
// leave the FMA pipes waiting on one reduction's latency.
constexpr size_t kNarrowPixels = 8;

// Floats per input channel in the narrow layout: 4 steps of L lanes per L channels.
template <class Arch>
size_t narrow_packed_size(size_t cin) {
  constexpr size_t L = xsimd::batch<float, Arch>::size;
  return (cin + L - 1) / L * L * kNarrowCout;
}

// Block of L input channels from b, step j: lane 4g + co holds w[co][b + 4g + j] (0 past cin, cout).
template <class Arch>
void narrow_pack(size_t cin, size_t cout, const float* w, float* packed) {
  constexpr size_t L = xsimd::batch<float, Arch>::size;
  for (size_t b = 0; b < cin; b += L)
    for (size_t j = 0; j < kNarrowCout; ++j)
      for (size_t lane = 0; lane < L; ++lane) {
        const size_t ci = b + lane / kNarrowCout * kNarrowCout + j, co = lane % kNarrowCout;
        *packed++ = ci < cin && co < cout ? w[co * cin + ci] : 0.0f;
      }
}

// Lane 4g + co of the result takes x[4g + j]: a permute within 128-bit lanes, which costs less
// than one across them.
template <size_t J, class B>
B spread(B x) {
  constexpr int kPick = static_cast<int>(J * 0x55);
  if constexpr (BatchIsa<B>::avx512)
    return _mm512_permute_ps(x, kPick);
  else
    return _mm256_permute_ps(x, kPick);
}

// Sums each of 4 pixels' G groups: lanes 4q..4q+3 of sum[q / G] hold pixel q's 4 outputs.
template <class B>
void reduce_groups(const B* acc, B* sum) {
  if constexpr (BatchIsa<B>::avx512) {
    const auto pairs = [](__m512 a, __m512 b) {
      return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                           _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    };
    sum[0] = pairs(pairs(acc[0], acc[1]), pairs(acc[2], acc[3]));
  } else {
    for (size_t h = 0; h < 2; ++h)
      sum[h] = _mm256_add_ps(_mm256_permute2f128_ps(acc[2 * h], acc[2 * h + 1], 0x20),
                             _mm256_permute2f128_ps(acc[2 * h], acc[2 * h + 1], 0x31));
  }
}

// Lanes 4g..4g+3.
template <size_t G, class B>
__m128 group_lanes(B x) {
  if constexpr (BatchIsa<B>::avx512)
    return _mm512_extractf32x4_ps(x, G);
  else
    return _mm256_extractf128_ps(x, G);
}

// kNarrowPixels at a time; pixels past p recompute the last one.
template <class Arch, Act A>
void gemm_narrow(size_t p, const float* in, const float* packed, const float* residual, float* out,
                 const GemmParams& prm) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t L = B::size, G = L / kNarrowCout, kSums = kNarrowPixels / G;
  const size_t cin = prm.cin, cout = prm.cout;
  alignas(64) float bias_tile[L] = {};
  if (prm.bias)
    for (size_t lane = 0; lane < L; ++lane) {
      const size_t co = lane % kNarrowCout;
      bias_tile[lane] = co < cout ? prm.bias[co] : 0.0f;
    }
  const B bias = B::load_aligned(bias_tile);
  for (size_t i = 0; i < p; i += kNarrowPixels) {
    const size_t m = std::min(kNarrowPixels, p - i);
    const float* rows[kNarrowPixels];
    unroll<kNarrowPixels>([&](auto q) { rows[q] = in + (i + std::min<size_t>(q, m - 1)) * prm.in_stride; });
    B acc[kNarrowPixels];
    unroll<kNarrowPixels>([&](auto q) { acc[q] = B(0.0f); });
    const float* w = packed;
    for (size_t k = 0; k < cin; k += L, w += kNarrowCout * L) {
      const size_t n = std::min(L, cin - k);
      const B s = prm.scale ? load_n<Arch>(prm.scale + k, n) : B(1.0f);
      unroll<kNarrowPixels>([&](auto q) {
        B x = load_n<Arch>(rows[q] + k, n);
        if (prm.scale) x *= s;
        unroll<kNarrowCout>([&](auto j) { acc[q] = xsimd::fma(spread<j>(x), B::load_unaligned(w + j * L), acc[q]); });
      });
    }
    B sum[kSums];
    unroll<kNarrowPixels / 4>([&](auto h) { reduce_groups(acc + 4 * h, sum + h * (16 / L)); });
    unroll<kSums>([&](auto v) {
      const B y = act_apply<A>(sum[v] + bias);
      unroll<G>([&](auto g) {
        const size_t q = v * G + g;
        if (q >= m) return;
        __m128 o = group_lanes<g>(y);
        if (residual) o = _mm_add_ps(o, load_n4(residual + (i + q) * prm.res_stride, cout));
        store_n4(out + (i + q) * prm.out_stride, o, cout);
      });
    });
  }
}

}  // namespace matte::simd::inline MATTE_ISA_NAMESPACE
