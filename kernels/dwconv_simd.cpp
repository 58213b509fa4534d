// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs.
//
// Per output row, channel block by channel block: the block's K·K weight vectors are loaded once
// and stay in registers while the block walks the row, so the input rows (K of them, reused by the
// next K/stride output rows from cache) are streamed once. Rows whose window lies inside the image
// and columns inside [x_lo, x_hi) run without bounds checks; only border pixels clip their taps.
#include <algorithm>
#include <type_traits>

#include "kernels/dwconv.h"
#include "kernels/simd_act.hpp"

namespace matte {

namespace simd {
namespace {

// Channel tails step down to narrower vectors before going scalar: network channel counts are
// multiples of 8 but often not of 16, and the box filter has 4 channels.
template <class Arch>
struct Narrower {
  using type = void;
};
template <>
struct Narrower<Avx512Arch> {
  using type = Avx2Arch;
};
template <>
struct Narrower<Avx2Arch> {
  using type = xsimd::sse4_2;  // xsimd 8 has no fma3<sse4_2> registers once AVX is on
};

// V is a batch or a plain float (last channels).
template <class V>
V load(const float* p) {
  if constexpr (std::is_same_v<V, float>)
    return *p;
  else
    return V::load_unaligned(p);
}

template <class V>
void store(float* p, V v) {
  if constexpr (std::is_same_v<V, float>)
    *p = v;
  else
    v.store_unaligned(p);
}

template <size_t K>
struct Row {
  const DwConvParams* p;
  const float* rows[K];  // input row ky, at column 0; null outside the image
  size_t ky0, ky1;       // rows present in the image
  const float* weights;
  const float* bias;
  float* out;  // output row, at column 0
  size_t x_lo, x_hi;
};

// Channels [c, c + lanes) of the whole output row.
template <class V, size_t K, Act A, bool AllRows>
void row_block(const Row<K>& r, size_t c) {
  const DwConvParams& p = *r.p;
  const size_t is = p.in_pixel_stride, os = p.out_pixel_stride;
  const size_t ky0 = AllRows ? 0 : r.ky0, ky1 = AllRows ? K : r.ky1;
  V w[K * K];
  for (size_t t = 0; t < K * K; ++t) w[t] = load<V>(r.weights + t * p.channels + c);
  const V b = r.bias ? load<V>(r.bias + c) : V(0.0f);

  // Border pixels: clip the taps to the columns inside the image.
  const auto border = [&](size_t x) {
    const auto ix0 = static_cast<ptrdiff_t>(x * p.stride) - static_cast<ptrdiff_t>(p.pad_left);
    V acc = b;
    for (size_t kx = 0; kx < K; ++kx) {
      const ptrdiff_t ix = ix0 + static_cast<ptrdiff_t>(kx * p.dilation);
      if (ix < 0 || ix >= static_cast<ptrdiff_t>(p.in_w)) continue;
      for (size_t ky = ky0; ky < ky1; ++ky)
        acc = xsimd::fma(load<V>(r.rows[ky] + static_cast<size_t>(ix) * is + c), w[ky * K + kx], acc);
    }
    store<V>(r.out + x * os + c, act_apply<A>(acc));
  };

  // N neighbouring interior pixels at once: independent accumulators hide the FMA latency of the
  // K·K-long chains.
  const size_t tap_step = p.dilation * is, x_step = p.stride * is;
  const auto interior = [&](size_t x, auto n) {
    constexpr size_t N = decltype(n)::value;
    const size_t off = (x * p.stride - p.pad_left) * is + c;
    V acc[N];
    for (size_t j = 0; j < N; ++j) acc[j] = b;
#pragma GCC unroll 5
    for (size_t ky = ky0; ky < ky1; ++ky) {
      const float* in = r.rows[ky] + off;
#pragma GCC unroll 5
      for (size_t kx = 0; kx < K; ++kx)
        for (size_t j = 0; j < N; ++j)
          acc[j] = xsimd::fma(load<V>(in + j * x_step + kx * tap_step), w[ky * K + kx], acc[j]);
    }
    for (size_t j = 0; j < N; ++j) store<V>(r.out + (x + j) * os + c, act_apply<A>(acc[j]));
  };

  size_t x = 0;
  for (; x < r.x_lo; ++x) border(x);
  for (; x + 4 <= r.x_hi; x += 4) interior(x, std::integral_constant<size_t, 4>{});
  for (; x < r.x_hi; ++x) interior(x, std::integral_constant<size_t, 1>{});
  for (; x < p.out_w; ++x) border(x);
}

template <class Arch, size_t K, Act A, bool AllRows>
void row_channels(const Row<K>& r, size_t c) {
  using B = xsimd::batch<float, Arch>;
  for (; c + B::size <= r.p->channels; c += B::size) row_block<B, K, A, AllRows>(r, c);
  using N = typename Narrower<Arch>::type;
  if constexpr (std::is_void_v<N>) {
    for (; c < r.p->channels; ++c) row_block<float, K, A, AllRows>(r, c);
  } else {
    row_channels<N, K, A, AllRows>(r, c);
  }
}

template <class Arch, size_t K>
void f32_dwconv(const DwConvParams& p, const float* input, const float* packed_weights, const float* bias,
                float* output, size_t y_begin, size_t y_end) {
  Row<K> r{};
  r.p = &p;
  r.weights = packed_weights;
  r.bias = bias;
  // Interior columns: x·stride ≥ pad_left and x·stride − pad_left + (K−1)·dilation < in_w.
  const size_t span = (K - 1) * p.dilation;
  r.x_lo = std::min(p.out_w, (p.pad_left + p.stride - 1) / p.stride);
  r.x_hi = p.in_w + p.pad_left > span ? std::min(p.out_w, (p.in_w + p.pad_left - span - 1) / p.stride + 1) : 0;
  r.x_hi = std::max(r.x_hi, r.x_lo);
  const size_t in_row = p.in_w * p.in_pixel_stride;

  with_act(p.act, [&](auto tag) {
    constexpr Act A = decltype(tag)::value;
    for (size_t y = y_begin; y < y_end; ++y) {
      r.ky0 = K;
      r.ky1 = 0;
      for (size_t ky = 0; ky < K; ++ky) {
        const size_t iy = y * p.stride + ky * p.dilation;
        const bool inside = iy >= p.pad_top && iy - p.pad_top < p.in_h;
        r.rows[ky] = inside ? input + (iy - p.pad_top) * in_row : nullptr;
        if (inside) {
          r.ky0 = std::min(r.ky0, ky);
          r.ky1 = ky + 1;
        }
      }
      r.out = output + y * p.out_w * p.out_pixel_stride;
      // A window entirely outside the image (ky0 > ky1) leaves act(bias).
      if (r.ky0 == 0 && r.ky1 == K)
        row_channels<Arch, K, A, true>(r, 0);
      else
        row_channels<Arch, K, A, false>(r, 0);
    }
  });
}

}  // namespace
}  // namespace simd

template <class Arch>
DwConvKernels dwconv_table() {
  return {simd::f32_dwconv<Arch, 3>, simd::f32_dwconv<Arch, 5>};
}

template DwConvKernels dwconv_table<MATTE_ARCH>();

}  // namespace matte
