// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs.
#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/conv.h"
#include "kernels/simd_act.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

// Panels of two vectors of output channels, MR pixels so that MR·2 accumulators fill the
// register file (32 zmm / 16 ymm) with room for the weights and the broadcast input. Tail panels
// are one vector, or on AVX-512 one 8-lane ymm: Zen 4 runs two ymm FMAs per cycle but one zmm
// FMA, so a narrow tail costs half of a padded one.
template <class Arch>
struct ConvTile {
  static constexpr size_t vec = xsimd::batch<float, Arch>::size;
  static constexpr size_t nr = 2 * vec;
  static constexpr size_t mr_wide = vec == 16 ? 12 : 6;
  // One vector of accumulators per pixel: more pixels keep enough FMAs in flight.
  static constexpr size_t mr_single = 12;
  // Everything instantiated for it here has internal linkage or is inlined, so the AVX2 build's
  // copies cannot be swapped for these AVX-512-flagged ones at link time.
  using Narrow = std::conditional_t<vec == 16, Avx2Arch, Arch>;
};

// One run of output pixels of a row that all see the same valid taps [ky0, ky1) × [kx0, kx1).
// When a kernel row's taps are contiguous in memory (dilation 1, dense pixels) they form one
// group of (kx1 - kx0)·cin floats, else kx1 - kx0 groups of cin: fewer, longer inner loops.
struct Run {
  const float* in;
  ptrdiff_t origin;  // input offset of the first pixel's tap (0, 0); may lie outside the image
  ptrdiff_t pixel_step, tap_dy, tap_dx;
  size_t ky0, ky1, kx0, groups, group_len, k, cin;
};

// acc[m][v] = bias + Σ taps Σ ci input · weight for MR pixels × NV vectors of one panel
// (width NV·vec, bias as wide), written raw to tmp [MR][NV·vec].
template <class Arch, size_t MR, size_t NV>
void conv_tile(const Run& r, size_t pixel0, const float* bias, const float* panel, float* tmp) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t V = B::size, W = NV * V;
  B acc[MR][NV];
#pragma GCC unroll 4
  for (size_t v = 0; v < NV; ++v) {
    const B b = B::load_aligned(bias + v * V);
#pragma GCC unroll 16
    for (size_t m = 0; m < MR; ++m) acc[m][v] = b;
  }
  const ptrdiff_t first = r.origin + ptrdiff_t(pixel0) * r.pixel_step;
  for (size_t ky = r.ky0; ky < r.ky1; ++ky) {
    for (size_t g = 0; g < r.groups; ++g) {
      const size_t kx = r.kx0 + g;
      const float* a = r.in + (first + ptrdiff_t(ky) * r.tap_dy + ptrdiff_t(kx) * r.tap_dx);
      const float* w = panel + (ky * r.k + kx) * r.cin * W;
      for (size_t c = 0; c < r.group_len; ++c, w += W) {
        B wv[NV];
#pragma GCC unroll 4
        for (size_t v = 0; v < NV; ++v) wv[v] = B::load_unaligned(w + v * V);
#pragma GCC unroll 16
        for (size_t m = 0; m < MR; ++m) {
          const B x(a[ptrdiff_t(m) * r.pixel_step + ptrdiff_t(c)]);
#pragma GCC unroll 4
          for (size_t v = 0; v < NV; ++v) acc[m][v] = xsimd::fma(x, wv[v], acc[m][v]);
        }
      }
    }
  }
#pragma GCC unroll 16
  for (size_t m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) acc[m][v].store_aligned(tmp + m * W + v * V);
}

template <class Arch, size_t NV, size_t... M>
constexpr auto tile_table(std::index_sequence<0, M...>) {
  using Fn = void (*)(const Run&, size_t, const float*, const float*, float*);
  // Index 0 is never called: a tile has at least one pixel.
  return std::array<Fn, sizeof...(M) + 1>{nullptr, conv_tile<Arch, M, NV>...};
}

// Activation and store of mr pixels × n channels from tmp (row pitch w, a multiple of the vector
// width) to the output; the activation runs on whole vectors, the store stops at n.
template <class Arch>
void store_tile(float* tmp, size_t mr, size_t w, size_t n, float* dst, size_t out_stride, Act act) {
  using B = xsimd::batch<float, Arch>;
  with_act(act, [&](auto tag) {
    constexpr Act A = decltype(tag)::value;
    for (size_t m = 0; m < mr; ++m, tmp += w, dst += out_stride) {
      for (size_t c = 0; c < w; c += B::size) {
        const B y = act_apply<A>(B::load_aligned(tmp + c));
        if (c + B::size <= n) {
          y.store_unaligned(dst + c);
        } else {
          y.store_aligned(tmp + c);
          std::copy(tmp + c, tmp + std::max(c, n), dst + c);
        }
      }
    }
  });
}

// Taps t in [lo, hi) with 0 <= i0 + t·d < extent.
std::pair<size_t, size_t> valid_taps(ptrdiff_t i0, size_t extent, size_t k, size_t d) {
  const ptrdiff_t dd = ptrdiff_t(d), last = ptrdiff_t(extent) - 1 - i0;
  if (last < 0) return {0, 0};
  const size_t lo = i0 >= 0 ? 0 : size_t((-i0 + dd - 1) / dd);
  const size_t hi = std::min(k, size_t(last / dd) + 1);
  return {std::min(lo, hi), hi};
}

// Every pixel of a run through one panel of width w, in tiles of MR pixels of TileArch.
template <class TileArch, size_t NV, size_t MR>
void conv_run_panel(const Run& r, size_t pixels, const float* bias, const float* panel, size_t w, size_t n,
                    float* dst, size_t out_stride, Act act, float* tmp) {
  static constexpr auto tiles = tile_table<TileArch, NV>(std::make_index_sequence<MR + 1>{});
  for (size_t x = 0; x < pixels; x += MR) {
    const size_t mr = std::min(MR, pixels - x);
    tiles[mr](r, x, bias, panel, tmp);
    store_tile<TileArch>(tmp, mr, w, n, dst + x * out_stride, out_stride, act);
  }
}

}  // namespace

template <class Arch>
void f32_conv_kxk(const ConvParams& p, const float* in, const float* packed, float* out, size_t row_begin,
                  size_t row_end) {
  using T = ConvTile<Arch>;
  alignas(64) float tmp[std::max(T::mr_wide * T::nr, T::mr_single * T::vec)];
  // One panel's bias, zero past cout: the accumulators start from it.
  alignas(64) float bias[T::nr];

  const size_t k = p.kernel, per_channel = k * k * p.cin;
  const ptrdiff_t row = ptrdiff_t(p.in_w * p.in_stride);
  Run r{in, 0, ptrdiff_t(p.stride * p.in_stride), ptrdiff_t(p.dilation) * row,
        ptrdiff_t(p.dilation * p.in_stride), 0, 0, 0, 0, 0, k, p.cin};
  const bool contiguous = p.dilation * p.in_stride == p.cin;
  auto ix0 = [&](size_t ox) { return ptrdiff_t(ox * p.stride) - ptrdiff_t(p.pad_left); };
  // Columns [inner_begin, inner_end) see every tap: one run found without a division per pixel.
  const size_t inner_begin = std::min((p.pad_left + p.stride - 1) / p.stride, p.out_w);
  const ptrdiff_t last = ptrdiff_t(p.in_w + p.pad_left) - 1 - ptrdiff_t((k - 1) * p.dilation);
  const size_t inner_end = last < 0 ? 0 : std::min(size_t(last) / p.stride + 1, p.out_w);
  for (size_t oy = row_begin; oy < row_end; ++oy) {
    const ptrdiff_t iy0 = ptrdiff_t(oy * p.stride) - ptrdiff_t(p.pad_top);
    std::tie(r.ky0, r.ky1) = valid_taps(iy0, p.in_h, k, p.dilation);
    float* out_row = out + oy * p.out_w * p.out_stride;
    for (size_t x0 = 0; x0 < p.out_w;) {
      // Near the borders, extend the run while the valid column taps stay the same.
      const auto taps = valid_taps(ix0(x0), p.in_w, k, p.dilation);
      size_t x1 = x0 + 1;
      if (x0 >= inner_begin && x0 < inner_end)
        x1 = inner_end;
      else
        while (x1 < p.out_w && valid_taps(ix0(x1), p.in_w, k, p.dilation) == taps) ++x1;
      r.kx0 = taps.first;
      r.groups = contiguous ? std::min<size_t>(taps.second - taps.first, 1) : taps.second - taps.first;
      r.group_len = contiguous ? (taps.second - taps.first) * p.cin : p.cin;
      r.origin = iy0 * row + ix0(x0) * ptrdiff_t(p.in_stride);
      float* dst = out_row + x0 * p.out_stride;
      for (size_t c0 = 0, w = 0; c0 < p.cout; c0 += w) {
        w = conv_panel_width(T::nr, p.cout - c0);
        const size_t n = std::min(w, p.cout - c0);
        const float* panel = packed + c0 * per_channel;
        for (size_t j = 0; j < w; ++j) bias[j] = p.bias && j < n ? p.bias[c0 + j] : 0.0f;
        if (w == T::nr)
          conv_run_panel<Arch, 2, T::mr_wide>(r, x1 - x0, bias, panel, w, n, dst + c0, p.out_stride, p.act, tmp);
        else if (w == T::vec)
          conv_run_panel<Arch, 1, T::mr_single>(r, x1 - x0, bias, panel, w, n, dst + c0, p.out_stride, p.act, tmp);
        else
          conv_run_panel<typename T::Narrow, 1, T::mr_single>(r, x1 - x0, bias, panel, w, n, dst + c0,
                                                               p.out_stride, p.act, tmp);
      }
      x0 = x1;
    }
  }
}

template <class Arch>
size_t f32_conv_kxk_packed_size(size_t cin, size_t cout, size_t k) {
  return conv_panels_size(cin, cout, k, ConvTile<Arch>::nr);
}

template <class Arch>
void pack_f32_conv_kxk(size_t cin, size_t cout, size_t k, const float* weights, float* packed) {
  pack_conv_panels(cin, cout, k, ConvTile<Arch>::nr, weights, packed);
}

}  // namespace simd

template <class Arch>
ConvKernels conv_table() {
  return {.f32_conv_kxk_packed_size = simd::f32_conv_kxk_packed_size<Arch>,
          .pack_f32_conv_kxk = simd::pack_f32_conv_kxk<Arch>,
          .f32_conv_kxk = simd::f32_conv_kxk<Arch>};
}

template ConvKernels conv_table<MATTE_ARCH>();

}  // namespace matte
