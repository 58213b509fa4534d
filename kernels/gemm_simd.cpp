// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs.
//
// Packed weights: panels of NR = 2 vectors of output channels, [cin][NR] each, zero-padded; the
// last panel is one vector wide when at most one vector of channels remains, so Cout = 40, 72, 80
// on AVX-512 waste 8 lanes instead of 24.
// Cout ≤ 4 takes the narrow path of gemm_narrow.hpp instead.
#include <algorithm>
#include <numeric>
#include <type_traits>
#include <utility>

#include "kernels/gemm.h"
#include "kernels/isa_traits.hpp"
#include "kernels/gemm_narrow.hpp"
#include "kernels/simd_act.hpp"
#include "kernels/simd_lanes.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

// Micro-tile rows: MR×2 accumulators plus two weight vectors and a broadcast fit the register file
// (32 zmm / 16 ymm).
template <class Arch>
constexpr size_t kGemmMr = IsaTraits<Arch>::avx512 ? 12 : 6;
// Cin block: a kc×NR weight slice (32 KiB on AVX-512) is reused by every pixel tile of a block.
constexpr size_t kGemmKc = 256;
// Pixel block: mc×kc input floats (256 KiB) stay in L2 while every panel sweeps over them.
constexpr size_t kGemmBlockFloats = 64 * 1024;

// Valid lanes of vector v in a tile row of ncols channels.
template <size_t L>
inline size_t lanes(size_t ncols, size_t v) {
  return ncols > v * L ? std::min(L, ncols - v * L) : 0;
}

struct TileArgs {
  size_t m, kc, ncols;
  const float* a;
  size_t a_stride;
  const float* w;  // kc×(NV·L) panel slice
  float* c;
  size_t c_stride;
  const float* bias;      // first Cin block only; nullptr = 0
  const float* residual;  // last Cin block only
  size_t res_stride;
  bool first, last;
};

// m (<= MR) pixels × ncols (<= NV·L) channels over one Cin block. Rows past m recompute row m-1
// so the inner loop has no row tail; only real rows are stored.
template <class Arch, size_t MR, size_t NV, Act A>
void gemm_tile(const TileArgs& t) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t L = B::size;
  const float* ar[MR];
  B acc[MR][NV];
  unroll<MR>([&](auto r) { ar[r] = t.a + std::min<size_t>(r, t.m - 1) * t.a_stride; });
  if (t.first) {
    B init[NV];
    unroll<NV>([&](auto v) {
      const size_t n = lanes<L>(t.ncols, v);
      init[v] = t.bias && n ? load_n<Arch>(t.bias + v * L, n) : B(0.0f);
    });
    unroll<MR>([&](auto r) { unroll<NV>([&](auto v) { acc[r][v] = init[v]; }); });
  } else {
    unroll<MR>([&](auto r) {
      const float* crow = t.c + std::min<size_t>(r, t.m - 1) * t.c_stride;
      unroll<NV>([&](auto v) {
        const size_t n = lanes<L>(t.ncols, v);
        acc[r][v] = n ? load_n<Arch>(crow + v * L, n) : B(0.0f);
      });
    });
  }
  const float* w = t.w;
  for (size_t k = 0; k < t.kc; ++k, w += NV * L) {
    B wv[NV];
    unroll<NV>([&](auto v) { wv[v] = B::load_unaligned(w + v * L); });
    unroll<MR>([&](auto r) {
      const B av(ar[r][k]);
      unroll<NV>([&](auto v) { acc[r][v] = xsimd::fma(av, wv[v], acc[r][v]); });
    });
  }
  unroll<MR>([&](auto r) {
    if (r >= t.m) return;
    float* crow = t.c + r * t.c_stride;
    unroll<NV>([&](auto v) {
      const size_t n = lanes<L>(t.ncols, v);
      if (!n) return;
      B x = acc[r][v];
      if (t.last) {
        x = act_apply<A>(x);
        if (t.residual) x += load_n<Arch>(t.residual + r * t.res_stride + v * L, n);
      }
      store_n<Arch>(crow + v * L, x, n);
    });
  });
}

template <class Arch>
size_t f32_gemm_packed_size(size_t cin, size_t cout) {
  if (cout <= kNarrowCout) return narrow_packed_size<Arch>(cin);
  constexpr size_t L = xsimd::batch<float, Arch>::size, NR = 2 * L;
  const size_t full = cout / NR * NR, rem = cout - full;
  return cin * (full + (rem == 0 ? 0 : rem <= L ? L : NR));
}

template <class Arch>
void f32_gemm_pack(size_t cin, size_t cout, const float* w, float* packed) {
  if (cout <= kNarrowCout) return narrow_pack<Arch>(cin, cout, w, packed);
  constexpr size_t L = xsimd::batch<float, Arch>::size, NR = 2 * L;
  for (size_t col0 = 0; col0 < cout; col0 += NR) {
    const size_t pw = cout - col0 <= L ? L : NR;
    for (size_t ci = 0; ci < cin; ++ci)
      for (size_t j = 0; j < pw; ++j) *packed++ = col0 + j < cout ? w[(col0 + j) * cin + ci] : 0.0f;
  }
}

template <class Arch, Act A>
void gemm_run(size_t p, const float* in, const float* packed, const float* residual, float* out,
              const GemmParams& prm) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t L = B::size, NR = 2 * L, MR = kGemmMr<Arch>;
  alignas(64) float scaled[kGemmKc * NR];
  const size_t cin = prm.cin, cout = prm.cout;
  if (p == 0) return;
  for (size_t k0 = 0; k0 < cin; k0 += kGemmKc) {
    const size_t kc = std::min(kGemmKc, cin - k0);
    // Equal pixel blocks of whole tiles, so no block is a sliver that reloads every weight slice.
    const size_t mc_max = std::max(MR, kGemmBlockFloats / kc / MR * MR);
    const size_t blocks = (p + mc_max - 1) / mc_max;
    const size_t mc = ((p + blocks - 1) / blocks + MR - 1) / MR * MR;
    for (size_t i0 = 0; i0 < p; i0 += mc) {
      const size_t i1 = std::min(p, i0 + mc);
      for (size_t col0 = 0; col0 < cout; col0 += NR) {
        const size_t ncols = std::min(NR, cout - col0);
        const size_t pw = ncols <= L ? L : NR;
        const float* w = packed + col0 * cin + k0 * pw;
        if (prm.scale) {
          // SE scale folded into the weight slice once, not into every input element.
          for (size_t k = 0; k < kc; ++k) {
            const B s(prm.scale[k0 + k]);
            for (size_t j = 0; j < pw; j += L)
              (B::load_unaligned(w + k * pw + j) * s).store_aligned(scaled + k * pw + j);
          }
          w = scaled;
        }
        TileArgs t{};
        t.kc = kc;
        t.ncols = ncols;
        t.a_stride = prm.in_stride;
        t.w = w;
        t.c_stride = prm.out_stride;
        t.bias = prm.bias ? prm.bias + col0 : nullptr;
        t.res_stride = prm.res_stride;
        t.first = k0 == 0;
        t.last = k0 + kc == cin;
        for (size_t i = i0; i < i1; i += MR) {
          t.m = std::min(MR, i1 - i);
          t.a = in + i * prm.in_stride + k0;
          t.c = out + i * prm.out_stride + col0;
          t.residual = residual ? residual + i * prm.res_stride + col0 : nullptr;
          // A single pixel (squeeze-excitation's fully connected layers) would make a full tile
          // compute MR copies of it.
          if (t.m == 1) {
            pw == NR ? gemm_tile<Arch, 1, 2, A>(t) : gemm_tile<Arch, 1, 1, A>(t);
          } else {
            pw == NR ? gemm_tile<Arch, MR, 2, A>(t) : gemm_tile<Arch, MR, 1, A>(t);
          }
        }
      }
    }
  }
}

template <class Arch>
void f32_gemm(const GemmParams& p, const float* in, const float* packed, const float* residual, float* out,
              size_t pixels) {
  with_act(p.act, [&](auto tag) {
    constexpr Act A = decltype(tag)::value;
    if (p.cout <= kNarrowCout)
      gemm_narrow<Arch, A>(pixels, in, packed, residual, out, p);
    else
      gemm_run<Arch, A>(pixels, in, packed, residual, out, p);
  });
}

template <class Arch>
size_t f32_fma_peak(size_t iterations, float* sink) {
  using B = xsimd::batch<float, Arch>;
  // 12 chains cover 4-cycle latency on two FMA pipes and leave room for the operands in 16 ymm.
  constexpr size_t kChains = 12;
  B acc[kChains];
  const B a(*sink), b(1.0f - *sink);
  unroll<kChains>([&](auto c) { acc[c] = B(static_cast<float>(c)); });
  for (size_t it = 0; it < iterations; ++it) unroll<kChains>([&](auto c) { acc[c] = xsimd::fma(acc[c], a, b); });
  B sum(0.0f);
  unroll<kChains>([&](auto c) { sum += acc[c]; });
  *sink = xsimd::hadd(sum);
  return iterations * kChains * B::size * 2;
}

}  // namespace simd

template <class Arch>
GemmKernels gemm_table() {
  return {.tile_pixels = std::lcm(simd::kGemmMr<Arch>, simd::kNarrowPixels),
          .f32_gemm_packed_size = simd::f32_gemm_packed_size<Arch>,
          .f32_gemm_pack = simd::f32_gemm_pack<Arch>,
          .f32_gemm = simd::f32_gemm<Arch>,
          .f32_fma_peak = simd::f32_fma_peak<Arch>};
}

template GemmKernels gemm_table<MATTE_ARCH>();

}  // namespace matte
