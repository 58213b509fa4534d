// Built once per ISA (MATTE_ARCH); the templates are identical in every build, only the
// explicit instantiation at the end differs.
//
// Per output row, channel block by channel block: the block's K·K weight vectors are loaded once
// and stay in registers while the block walks the row in groups of N neighbouring pixels. A group
// loads each input vector of its window once and feeds it to every (pixel, tap) pair that reads it,
// so for 3×3 stride 1 and N = 8 it makes 30 loads for 72 multiply-adds instead of 72, and its N
// accumulators hide the FMA latency. Stride and dilation are template parameters for the ones the
// networks use; other values take a plain per-pixel loop.
#include <algorithm>
#include <type_traits>
#include <utility>

#include "kernels/dwconv.h"
#include "kernels/isa_traits.hpp"
#include "kernels/simd_act.hpp"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {
namespace {

// Channel tails step down to narrower vectors before going scalar (IsaTraits::Narrower): network
// channel counts are multiples of 8 but often not of 16, and the box filter has 4 channels.

// Pixels per group: K·K weights, N accumulators and an input vector fit the register file.
template <size_t K>
constexpr size_t kGroup = K == 3 && IsaTraits<MATTE_ARCH>::vector_registers == 32 ? 8 : 4;

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
  const float* weights;
  const float* bias;
  float* out;  // output row, at column 0
  size_t x_lo, x_hi;  // output columns whose window lies inside the image's columns
};

// Stores act(acc[j]) at out + j·stride with the activation chosen at run time, one branch per
// group: a template parameter would multiply the unrolled group code below by the number of
// activations. The transcendental ones stay out of line; no network layer uses them here.
template <class V>
[[gnu::noinline]] V act_transcendental(Act act, V x) {
  return act == Act::sigmoid ? act_apply<Act::sigmoid>(x) : act_apply<Act::tanh>(x);
}

template <class V, size_t N>
[[gnu::always_inline]] inline void store_act(Act act, const V (&acc)[N], float* out, size_t stride) {
  const auto all = [&](auto f) {
#pragma GCC unroll 8
    for (size_t j = 0; j < N; ++j) store<V>(out + j * stride, f(acc[j]));
  };
  switch (act) {
    case Act::none: return all([](V x) { return x; });
    case Act::relu: return all([](V x) { return act_apply<Act::relu>(x); });
    case Act::relu6: return all([](V x) { return act_apply<Act::relu6>(x); });
    case Act::hardswish: return all([](V x) { return act_apply<Act::hardswish>(x); });
    case Act::hardsigmoid: return all([](V x) { return act_apply<Act::hardsigmoid>(x); });
    default: return all([&](V x) { return act_transcendental(act, x); });
  }
}

// Output pixels [x0, x0 + N) of channels [c, c + lanes). Clip skips window columns outside the
// image (border groups); without it every column is inside. The loops unroll fully, so every
// (column, pixel) → tap test folds away.
template <class V, size_t K, size_t S, size_t D, size_t N, bool Clip>
[[gnu::always_inline]] inline void group(const Row<K>& r, const V* w, V b, size_t c, size_t x0) {
  constexpr size_t kCols = (N - 1) * S + (K - 1) * D + 1;
  const DwConvParams& p = *r.p;
  const size_t is = p.in_stride;
  const ptrdiff_t ix0 = static_cast<ptrdiff_t>(x0 * S) - static_cast<ptrdiff_t>(p.pad_left);
  V acc[N];
#pragma GCC unroll 8
  for (size_t j = 0; j < N; ++j) acc[j] = b;
#pragma GCC unroll 5
  for (size_t ky = 0; ky < K; ++ky) {
    const float* row = r.rows[ky];
    if (!row) continue;
#pragma GCC unroll 32
    for (size_t col = 0; col < kCols; ++col) {
      const ptrdiff_t ix = ix0 + static_cast<ptrdiff_t>(col);
      if (Clip && (ix < 0 || ix >= static_cast<ptrdiff_t>(p.in_w))) continue;
      const V v = load<V>(row + static_cast<size_t>(ix) * is + c);
#pragma GCC unroll 8
      for (size_t j = 0; j < N; ++j) {
        const size_t t = col - j * S;  // wraps for col < j·S: then t ≥ K·D
        if (col >= j * S && t % D == 0 && t / D < K) acc[j] = xsimd::fma(v, w[ky * K + t / D], acc[j]);
      }
    }
  }
  store_act(p.act, acc, r.out + x0 * p.out_stride + c, p.out_stride);
}

// Channels [c, c + lanes) of the whole output row. Groups start every N pixels; the last one ends
// at the row's end and may overlap its predecessor (recomputing a few pixels beats a
// latency-bound single-pixel tail).
template <class V, size_t K, size_t S, size_t D>
void row_block(const Row<K>& r, size_t c) {
  constexpr size_t N = kGroup<K>;
  const size_t channels = r.p->channels, out_w = r.p->out_w;
  V w[K * K];
  for (size_t t = 0; t < K * K; ++t) w[t] = load<V>(r.weights + t * channels + c);
  const V b = r.bias ? load<V>(r.bias + c) : V(0.0f);
  if (out_w < N) {
    for (size_t x = 0; x < out_w; ++x) group<V, K, S, D, 1, true>(r, w, b, c, x);
    return;
  }
  for (size_t x = 0; x < out_w; x += N) {
    const size_t x0 = std::min(x, out_w - N);
    if (x0 >= r.x_lo && x0 + N <= r.x_hi)
      group<V, K, S, D, N, false>(r, w, b, c, x0);
    else
      group<V, K, S, D, N, true>(r, w, b, c, x0);
  }
}

// Any stride and dilation: one pixel at a time, every tap checked.
template <class V, size_t K>
void row_block_generic(const Row<K>& r, size_t c) {
  const DwConvParams& p = *r.p;
  V w[K * K];
  for (size_t t = 0; t < K * K; ++t) w[t] = load<V>(r.weights + t * p.channels + c);
  const V b = r.bias ? load<V>(r.bias + c) : V(0.0f);
  for (size_t x = 0; x < p.out_w; ++x) {
    const auto ix0 = static_cast<ptrdiff_t>(x * p.stride) - static_cast<ptrdiff_t>(p.pad_left);
    V acc = b;
    for (size_t ky = 0; ky < K; ++ky) {
      if (!r.rows[ky]) continue;
      for (size_t kx = 0; kx < K; ++kx) {
        const ptrdiff_t ix = ix0 + static_cast<ptrdiff_t>(kx * p.dilation);
        if (ix < 0 || ix >= static_cast<ptrdiff_t>(p.in_w)) continue;
        acc = xsimd::fma(load<V>(r.rows[ky] + static_cast<size_t>(ix) * p.in_stride + c), w[ky * K + kx], acc);
      }
    }
    const V one[1] = {acc};
    store_act(p.act, one, r.out + x * p.out_stride + c, p.out_stride);
  }
}

// The row for one channel block, with the networks' stride and dilation fixed at compile time.
template <class V, size_t K>
void row_block_any(const Row<K>& r, size_t c) {
  const size_t s = r.p->stride, d = r.p->dilation;
  if (s == 1 && d == 1)
    row_block<V, K, 1, 1>(r, c);
  else if (s == 2 && d == 1)
    row_block<V, K, 2, 1>(r, c);
  else if (s == 1 && d == 2)
    row_block<V, K, 1, 2>(r, c);
  else
    row_block_generic<V, K>(r, c);
}

template <class Arch, size_t K>
void row_channels(const Row<K>& r, size_t c) {
  using B = xsimd::batch<float, Arch>;
  for (; c + B::size <= r.p->channels; c += B::size) row_block_any<B, K>(r, c);
  using N = typename IsaTraits<Arch>::Narrower;
  if constexpr (std::is_void_v<N>) {
    for (; c < r.p->channels; ++c) row_block_any<float, K>(r, c);
  } else {
    row_channels<N, K>(r, c);
  }
}

template <class Arch, size_t K>
void f32_dwconv(const DwConvParams& p, const float* in, const float* packed, float* out,
                size_t row_begin, size_t row_end) {
  Row<K> r{};
  r.p = &p;
  r.weights = packed;
  r.bias = p.bias;
  // Interior columns: x·stride ≥ pad_left and x·stride − pad_left + (K−1)·dilation < in_w.
  const size_t span = (K - 1) * p.dilation;
  r.x_lo = std::min(p.out_w, (p.pad_left + p.stride - 1) / p.stride);
  r.x_hi = p.in_w + p.pad_left > span ? std::min(p.out_w, (p.in_w + p.pad_left - span - 1) / p.stride + 1) : 0;
  const size_t in_row = p.in_w * p.in_stride;

  for (size_t y = row_begin; y < row_end; ++y) {
    for (size_t ky = 0; ky < K; ++ky) {
      const size_t iy = y * p.stride + ky * p.dilation;
      const bool inside = iy >= p.pad_top && iy - p.pad_top < p.in_h;
      r.rows[ky] = inside ? in + (iy - p.pad_top) * in_row : nullptr;
    }
    r.out = out + y * p.out_w * p.out_stride;
    // A window entirely outside the image leaves act(bias).
    row_channels<Arch, K>(r, 0);
  }
}

}  // namespace
}  // namespace simd

template <class Arch>
DwConvKernels dwconv_table() {
  return {.f32_dwconv_3x3 = simd::f32_dwconv<Arch, 3>,
          .f32_dwconv_5x5 = simd::f32_dwconv<Arch, 5>};
}

template DwConvKernels dwconv_table<MATTE_ARCH>();

}  // namespace matte
