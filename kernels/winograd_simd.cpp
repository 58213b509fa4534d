// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs. The transforms vectorise across channels, one tile and
// one vector of channels at a time; the image's channel tail goes through masked loads and stores
// so nothing outside [0, cin) / [0, cout) of a pixel is read or written.
#include <algorithm>
#include <type_traits>
#include <utility>

#include "kernels/conv.h"
#include "kernels/simd_act.hpp"
#include "kernels/simd_lanes.hpp"
#include "kernels/winograd.h"
#include "kernels/isa_traits.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

// Internal linkage: this object is built per ISA, and the linker must not swap in the other copy.
namespace {

constexpr size_t kT = kWinogradTile, kW = kWinogradWindow;

template <class Arch>
using Batch = xsimd::batch<float, Arch>;

// r = Bᵀ d along one axis of the 6×6 window (d with element stride s, r with stride rs).
template <class B>
[[gnu::always_inline]] inline void input_1d(const B* d, size_t s, B* r, size_t rs) {
  const B two(2.0f), four(4.0f), five(5.0f);
  const B d1_plus_d2 = d[s] + d[2 * s], d3_plus_d4 = d[3 * s] + d[4 * s];
  const B d1_minus_d2 = d[s] - d[2 * s], d4_minus_d3 = d[4 * s] - d[3 * s];
  const B d3_minus_d1 = d[3 * s] - d[s], d4_minus_d2 = d[4 * s] - d[2 * s];
  r[0] = xsimd::fnma(five, d[2 * s], xsimd::fma(four, d[0], d[4 * s]));
  r[rs] = xsimd::fnma(four, d1_plus_d2, d3_plus_d4);
  r[2 * rs] = xsimd::fma(four, d1_minus_d2, d4_minus_d3);
  r[3 * rs] = xsimd::fma(two, d3_minus_d1, d4_minus_d2);
  r[4 * rs] = xsimd::fnma(two, d3_minus_d1, d4_minus_d2);
  r[5 * rs] = xsimd::fnma(five, d[3 * s], xsimd::fma(four, d[s], d[5 * s]));
}

// o = Aᵀ m along one axis (m with element stride s, o with stride os).
template <class B>
[[gnu::always_inline]] inline void output_1d(const B* m, size_t s, B* o, size_t os) {
  const B two(2.0f), four(4.0f), eight(8.0f);
  const B m1_plus_m2 = m[s] + m[2 * s], m3_plus_m4 = m[3 * s] + m[4 * s];
  const B m1_minus_m2 = m[s] - m[2 * s], m3_minus_m4 = m[3 * s] - m[4 * s];
  o[0] = m[0] + m1_plus_m2 + m3_plus_m4;
  o[os] = xsimd::fma(two, m3_minus_m4, m1_minus_m2);
  o[2 * os] = xsimd::fma(four, m3_plus_m4, m1_plus_m2);
  o[3 * os] = xsimd::fma(eight, m3_minus_m4, m1_minus_m2) + m[5 * s];
}

// Window positions [lo, hi) of a tile's 6 input rows (or columns) that lie inside [0, extent).
struct Span {
  size_t lo, hi;
};

Span window_span(size_t tile, size_t extent) {
  const ptrdiff_t start = ptrdiff_t(tile * kT) - 1;
  return {start < 0 ? size_t(1) : size_t(0), size_t(std::min<ptrdiff_t>(ptrdiff_t(kW), ptrdiff_t(extent) - start))};
}

// Channels [c, c + n) of one tile's window into the tile's 36 vectors at vb; `at` is the offset of
// window pixel (0, 0) plus c (it may lie outside the image), pixels are `pixel` apart, rows `row`.
// Columns are transformed as they are loaded, so few vectors are live. Interior tiles skip the
// bounds checks, Full vectors the masks. Not inlined: inlined into the channel loop, the 36
// addresses get hoisted out of it and spilled.
template <class Arch, bool Interior, bool Full>
[[gnu::noinline]] void input_tile(const float* input, ptrdiff_t at, ptrdiff_t row, ptrdiff_t pixel, Span rows,
                                  Span cols, size_t n, float* vb) {
  using B = Batch<Arch>;
  B r[kW * kW];
#pragma GCC unroll 6
  for (size_t j = 0; j < kW; ++j) {
    B d[kW];
#pragma GCC unroll 6
    for (size_t i = 0; i < kW; ++i) {
      const float* src = input + (at + ptrdiff_t(i) * row + ptrdiff_t(j) * pixel);
      if (Interior || (i >= rows.lo && i < rows.hi && j >= cols.lo && j < cols.hi))
        d[i] = Full ? B::load_unaligned(src) : load_n<Arch>(src, n);
      else
        d[i] = B(0.0f);
    }
    input_1d(d, 1, r + j, kW);
  }
#pragma GCC unroll 6
  for (size_t i = 0; i < kW; ++i) {
    B o[kW];
    input_1d(r + i * kW, 1, o, 1);
#pragma GCC unroll 6
    for (size_t j = 0; j < kW; ++j) o[j].store_unaligned(vb + (i * kW + j) * B::size);
  }
}

// Packed weights: per point, output-channel panels of conv_panel_width (two vectors, then
// narrower for the tail; on AVX-512 down to one 8-lane ymm, as Zen 4 runs two ymm FMAs per cycle
// but one zmm FMA), each [cin][width], zero-padded.
template <class Arch>
constexpr size_t kPanel = 2 * Batch<Arch>::size;

template <class Arch>
size_t point_floats(size_t cin, size_t cout) {
  size_t cols = 0;
  for (size_t col0 = 0, width = 0; col0 < cout; col0 += width)
    cols += (width = conv_panel_width(kPanel<Arch>, cout - col0));
  return cin * cols;
}

// Tiles per micro-tile: MR·NV accumulators, NV weight vectors and a broadcast fit the register file
// (32 zmm / 16 ymm).
template <class Arch, size_t NV>
constexpr size_t kGemmRows = IsaTraits<Arch>::avx512 || NV == 1 ? 12 : 6;

// mr (<= MR) tiles × NV vectors of output channels of one point over all cin, in vectors of
// Arch, which may be narrower than the workspace's L lanes (the rest of each slot is zeroed).
// a: the first tile's point in channel block 0 (tiles a_stride apart); w: the panel; c: the first
// tile's point in the panel's first output block (tiles c_stride apart). Rows past mr repeat row
// mr - 1 so the inner loop has no row tail; only real rows are stored.
// acc[r][·] += A[r][offset]·w for one input channel: w holds NV vectors.
template <class B, size_t MR, size_t NV>
[[gnu::always_inline]] inline void gemm_step(B (&acc)[MR][NV], const float* const (&ar)[MR], size_t offset,
                                             const float* w) {
  B wv[NV];
#pragma GCC unroll 2
  for (size_t v = 0; v < NV; ++v) wv[v] = B::load_unaligned(w + v * B::size);
#pragma GCC unroll 16
  for (size_t r = 0; r < MR; ++r) {
    const B x(ar[r][offset]);
#pragma GCC unroll 2
    for (size_t v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(x, wv[v], acc[r][v]);
  }
}

// zero_rest: the panel starts a block, so lanes [V, L) of each slot it stores are zeroed (a later
// panel of the same block overwrites them).
template <class Arch, size_t MR, size_t NV, size_t L>
void gemm_tile(size_t mr, size_t cin, const float* a, size_t a_stride, const float* w, float* c, size_t c_stride,
               bool zero_rest) {
  using B = Batch<Arch>;
  constexpr size_t V = B::size, W = NV * V, block = kWinogradPoints * L;
  B acc[MR][NV];
  // Not a loop: GCC turns a zeroing loop into a memset of the (otherwise register-only) array.
  [&]<size_t... I>(std::index_sequence<I...>) { ((acc[I / NV][I % NV] = B(0.0f)), ...); }
  (std::make_index_sequence<MR * NV>{});
  const float* ar[MR];
#pragma GCC unroll 16
  for (size_t r = 0; r < MR; ++r) ar[r] = a + std::min(r, mr - 1) * a_stride;
  for (size_t c0 = 0, offset = 0; c0 < cin; c0 += L, offset += block, w += L * W) {
    const size_t n = std::min(L, cin - c0);
#pragma GCC unroll 16
    for (size_t l = 0; l < L; ++l) {
      if (l == n) break;
      gemm_step(acc, ar, offset + l, w + l * W);
    }
  }
#pragma GCC unroll 16
  for (size_t r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (size_t v = 0; v < NV; ++v)
      if (r < mr) {
        float* slot = c + r * c_stride + v * block;
        acc[r][v].store_unaligned(slot);
        if constexpr (V < L)
          if (zero_rest) B(0.0f).store_unaligned(slot + V);
      }
}

// Everything instantiated for it has internal linkage or is inlined, so the AVX2 build's copies
// cannot be swapped for these AVX-512-flagged ones at link time.
template <class Arch>
using Narrow = std::conditional_t<IsaTraits<Arch>::avx512, Avx2Arch, Arch>;

template <class Arch, size_t MR, size_t NV, size_t L>
void gemm_panel(size_t tiles, size_t cin, const float* a, size_t a_stride, const float* w, float* c,
                size_t c_stride, bool zero_rest) {
  for (size_t t = 0; t < tiles; t += MR)
    gemm_tile<Arch, MR, NV, L>(std::min(MR, tiles - t), cin, a + t * a_stride, a_stride, w, c + t * c_stride, c_stride,
                               zero_rest);
}

// Where one vector of m's channels goes: its first n lanes to out (pixel (0, 0) of the tile),
// which are also the bias vector's real channels (bias null: none).
struct TileOut {
  float* out = nullptr;
  size_t row = 0, pixel = 0;
  size_t n = 0;
};

// One tile's outputs for one vector of channels from its 36 vectors at mb. Full tiles have all
// 4×4 pixels inside the image, Full vectors need no mask. Not inlined, for the same reason as
// input_tile.
// The pragma: GCC 12 bug 105593 (see kernels/CMakeLists.txt) also shows as -Wuninitialized in
// avx512fintrin.h once the activations are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
template <class Arch, Act A, bool FullTile, bool Full>
[[gnu::noinline]] void output_tile(const float* mb, const float* bias, size_t rows, size_t cols, const TileOut& to) {
  using B = Batch<Arch>;
  B s[kT * kW];
#pragma GCC unroll 6
  for (size_t j = 0; j < kW; ++j) {
    B x[kW];
#pragma GCC unroll 6
    for (size_t i = 0; i < kW; ++i) x[i] = B::load_unaligned(mb + (i * kW + j) * B::size);
    output_1d(x, 1, s + j, kW);
  }
  const B b = !bias ? B(0.0f) : Full ? B::load_unaligned(bias) : load_n<Arch>(bias, to.n);
  B o[kT * kT];
#pragma GCC unroll 4
  for (size_t a = 0; a < kT; ++a) output_1d(s + a * kW, 1, o + a * kT, 1);
  for (size_t k = 0; k < kT * kT; ++k) o[k] = act_apply<A>(o[k] + b);
#pragma GCC unroll 4
  for (size_t a = 0; a < kT; ++a) {
    if (!FullTile && a >= rows) break;
#pragma GCC unroll 4
    for (size_t x = 0; x < kT; ++x) {
      if (!FullTile && x >= cols) break;
      float* dst = to.out + a * to.row + x * to.pixel;
      if (Full)
        o[a * kT + x].store_unaligned(dst);
      else
        store_n<Arch>(dst, o[a * kT + x], to.n);
    }
  }
}
#pragma GCC diagnostic pop

template <class Arch, Act A>
void output_tiles(const WinogradParams& p, const float* m, float* out, size_t tile0, size_t tiles) {
  constexpr size_t L = Batch<Arch>::size;
  const size_t tiles_x = winograd_tiles_x(p), tile_floats = winograd_tile_floats(p.cout, L);
  TileOut to;
  to.row = p.w * p.out_stride;
  to.pixel = p.out_stride;
  for (size_t t = 0; t < tiles; ++t) {
    const size_t y0 = (tile0 + t) / tiles_x * kT, x0 = (tile0 + t) % tiles_x * kT;
    const size_t rows = std::min(kT, p.h - y0), cols = std::min(kT, p.w - x0);
    const bool full_tile = rows == kT && cols == kT;
    float* tile_out = out + y0 * to.row + x0 * to.pixel;
    for (size_t c = 0; c < p.cout; c += L) {
      const float* mb = m + t * tile_floats + c * kWinogradPoints;
      const float* bias = p.bias ? p.bias + c : nullptr;
      to.n = std::min(L, p.cout - c);
      to.out = tile_out + c;
      if (full_tile && to.n == L)
        output_tile<Arch, A, true, true>(mb, bias, rows, cols, to);
      else
        output_tile<Arch, A, false, false>(mb, bias, rows, cols, to);
    }
  }
}

}  // namespace

template <class Arch>
size_t f32_winograd_packed_size(size_t cin, size_t cout) {
  return kWinogradPoints * point_floats<Arch>(cin, cout);
}

template <class Arch>
void pack_f32_winograd(size_t cin, size_t cout, const float* weights, float* packed) {
  const size_t per_point = point_floats<Arch>(cin, cout);
  std::fill(packed, packed + kWinogradPoints * per_point, 0.0f);
  float u[kWinogradPoints];
  for (size_t col0 = 0, width = 0; col0 < cout; col0 += width) {
    width = conv_panel_width(kPanel<Arch>, cout - col0);
    // Every panel before this one is full, so its offset within a point follows from col0.
    float* panel = packed + col0 * cin;
    for (size_t co = col0; co < std::min(cout, col0 + width); ++co)
      for (size_t ci = 0; ci < cin; ++ci) {
        winograd_kernel_transform(weights + (co * cin + ci) * 9, u);
        for (size_t k = 0; k < kWinogradPoints; ++k) panel[k * per_point + ci * width + co - col0] = u[k];
      }
  }
}

template <class Arch>
void f32_winograd_input(const WinogradParams& p, const float* in, float* v, size_t tile0, size_t tiles) {
  using B = Batch<Arch>;
  const size_t tiles_x = winograd_tiles_x(p), tile_floats = winograd_tile_floats(p.cin, B::size);
  const ptrdiff_t row = ptrdiff_t(p.w * p.in_stride), pixel = ptrdiff_t(p.in_stride);
  for (size_t t = 0; t < tiles; ++t) {
    const size_t ty = (tile0 + t) / tiles_x, tx = (tile0 + t) % tiles_x;
    const Span rows = window_span(ty, p.h), cols = window_span(tx, p.w);
    const ptrdiff_t window = (ptrdiff_t(ty * kT) - 1) * row + (ptrdiff_t(tx * kT) - 1) * pixel;
    const bool interior = rows.lo == 0 && rows.hi == kW && cols.lo == 0 && cols.hi == kW;
    float* vb = v + t * tile_floats;
    for (size_t c = 0; c < p.cin; c += B::size, vb += kWinogradPoints * B::size) {
      const size_t n = std::min(B::size, p.cin - c);
      const ptrdiff_t at = window + ptrdiff_t(c);
      if (interior && n == B::size)
        input_tile<Arch, true, true>(in, at, row, pixel, rows, cols, n, vb);
      else if (interior)
        input_tile<Arch, true, false>(in, at, row, pixel, rows, cols, n, vb);
      else
        input_tile<Arch, false, false>(in, at, row, pixel, rows, cols, n, vb);
    }
  }
}

template <class Arch>
void f32_winograd_gemm(const WinogradParams& p, const float* v, const float* packed, float* m, size_t tiles) {
  constexpr size_t L = Batch<Arch>::size;
  const size_t a_stride = winograd_tile_floats(p.cin, L), c_stride = winograd_tile_floats(p.cout, L);
  const size_t per_point = point_floats<Arch>(p.cin, p.cout);
  for (size_t k = 0; k < kWinogradPoints; ++k) {
    const float* a = v + k * L;
    const float* w = packed + k * per_point;
    for (size_t col0 = 0, width = 0; col0 < p.cout; col0 += width, w += width * p.cin) {
      width = conv_panel_width(kPanel<Arch>, p.cout - col0);
      // A narrow tail panel may start mid-block (cout 28 = 16 + 8 + 8 on AVX-512): block, point, lane.
      float* c = m + (col0 / L) * kWinogradPoints * L + k * L + col0 % L;
      const bool zero_rest = col0 % L == 0;
      if (width == 2 * L)
        gemm_panel<Arch, kGemmRows<Arch, 2>, 2, L>(tiles, p.cin, a, a_stride, w, c, c_stride, zero_rest);
      else if (width == L)
        gemm_panel<Arch, kGemmRows<Arch, 1>, 1, L>(tiles, p.cin, a, a_stride, w, c, c_stride, zero_rest);
      else
        gemm_panel<Narrow<Arch>, kGemmRows<Narrow<Arch>, 1>, 1, L>(tiles, p.cin, a, a_stride, w, c, c_stride,
                                                                    zero_rest);
    }
  }
}

template <class Arch>
void f32_winograd_output(const WinogradParams& p, const float* m, float* out, size_t tile0, size_t tiles) {
  with_act(p.act, [&](auto tag) { output_tiles<Arch, decltype(tag)::value>(p, m, out, tile0, tiles); });
}

}  // namespace simd

template <class Arch>
WinogradKernels winograd_table() {
  return {.lanes = xsimd::batch<float, Arch>::size,
          .f32_winograd_packed_size = simd::f32_winograd_packed_size<Arch>,
          .pack_f32_winograd = simd::pack_f32_winograd<Arch>,
          .f32_winograd_input = simd::f32_winograd_input<Arch>,
          .f32_winograd_gemm = simd::f32_winograd_gemm<Arch>,
          .f32_winograd_output = simd::f32_winograd_output<Arch>};
}

template WinogradKernels winograd_table<MATTE_ARCH>();

}  // namespace matte
