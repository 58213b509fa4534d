// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp. Built with -ffp-contract=off
// (kernels/CMakeLists.txt): A·s + b rounds the product and the sum separately, as guided_apply
// does, while the interpolation uses explicit fused multiply-adds, as f32_resize_bilinear does,
// so the output matches resizing [A | b] then applying the formula bit for bit.
#include <cmath>

#include "kernels/guided.h"
#include "kernels/simd_rgb8.hpp"
#include "kernels/u8_pixels.h"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

// Vectorised over the columns of the row; a width that is not a multiple of the vector ends with
// one vector overlapping the previous (same values written twice), a row narrower than a vector
// runs the scalar formula with the same operations. src.load(x, s) reads the RGB source of columns
// x.., src.read(x, s) that of column x. Alpha and Fg: whether alpha and the foreground are wanted
// in some form; the channels and arithmetic of the other are skipped.
template <class Arch, bool Alpha, bool Fg, class Source>
void guided_row_of(const GuidedRow& r, const Source& src, bool bgr8) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t N = B::size;
  const size_t tap1 = kGuidedChannels * r.plane;
  if (r.width < N) {
    for (size_t x = 0; x < r.width; ++x) {
      const float w00 = r.wx0[x] * r.wy0, w01 = r.wx1[x] * r.wy0, w10 = r.wx0[x] * r.wy1, w11 = r.wx1[x] * r.wy1;
      float ab[kGuidedChannels];
      for (size_t c = 0; c < kGuidedChannels; ++c) {
        const float* t = r.top + c * r.plane + x;
        const float* b = r.bottom + c * r.plane + x;
        ab[c] = std::fma(w11, b[tap1], std::fma(w10, b[0], std::fma(w01, t[tap1], w00 * t[0])));
      }
      float s[3], alpha, fg[3];
      src.read(x, s);
      guided_apply(ab, s, alpha, fg);
      if (r.alpha) r.alpha[x] = alpha;
      if (r.alpha8) r.alpha8[x] = to_u8(alpha);
      for (size_t c = 0; c < 3; ++c) {
        if (r.foreground[0]) r.foreground[c][x] = fg[c];
        if (r.foreground8) r.foreground8[3 * x + (bgr8 ? 2 - c : c)] = to_u8(fg[c]);
      }
    }
    return;
  }
  const B wy0(r.wy0), wy1(r.wy1), three(3.0f);
  const auto columns = [&](size_t x) {
    const B wx0 = B::load_unaligned(r.wx0 + x), wx1 = B::load_unaligned(r.wx1 + x);
    const B w00 = wx0 * wy0, w01 = wx1 * wy0, w10 = wx0 * wy1, w11 = wx1 * wy1;
    B ab[kGuidedChannels] = {};
    for (size_t c = 0; c < kGuidedChannels; ++c) {
      if (!(c % 4 == 3 ? Alpha : Fg)) continue;  // A3 and b3 make alpha, the others the foreground
      const float* t = r.top + c * r.plane + x;
      const float* b = r.bottom + c * r.plane + x;
      B v = w00 * B::load_unaligned(t);
      v = fmadd(w01, B::load_unaligned(t + tap1), v);
      v = fmadd(w10, B::load_unaligned(b), v);
      ab[c] = fmadd(w11, B::load_unaligned(b + tap1), v);
    }
    B s[3];
    src.load(x, s);
    if constexpr (Alpha) {
      const B alpha = clamp01(ab[3] * ((s[0] + s[1] + s[2]) / three) + ab[7]);
      if (r.alpha) alpha.store_unaligned(r.alpha + x);
      if (r.alpha8) store_bytes<B>(r.alpha8 + x, to_u8_lanes(alpha));
    }
    if constexpr (Fg) {
      B fg[3];
      for (size_t c = 0; c < 3; ++c) {
        fg[c] = clamp01(ab[c] * s[c] + ab[4 + c] + s[c]);
        if (r.foreground[0]) fg[c].store_unaligned(r.foreground[c] + x);
      }
      if (r.foreground8) store_rgb8(fg, bgr8, r.foreground8 + 3 * x);
    }
  };
  size_t x = 0;
  for (; x + N <= r.width; x += N) columns(x);
  if (x < r.width) columns(r.width - N);
}

// Picks the variant once per row.
template <class Arch, class Source>
void guided_row(const GuidedRow& r, const Source& src, bool bgr8) {
  const bool alpha = r.alpha || r.alpha8, fg = r.foreground[0] || r.foreground8;
  if (alpha && fg) guided_row_of<Arch, true, true>(r, src, bgr8);
  else if (alpha) guided_row_of<Arch, true, false>(r, src, bgr8);
  else if (fg) guided_row_of<Arch, false, true>(r, src, bgr8);
}

template <class Arch>
struct U8Source {
  using B = xsimd::batch<float, Arch>;
  const uint8_t* p;
  bool bgr;

  void load(size_t x, B* s) const { load_rgb8(p + 3 * x, bgr, s); }
  void read(size_t x, float* s) const {
    for (size_t c = 0; c < 3; ++c) s[c] = from_u8(p[3 * x + (bgr ? 2 - c : c)]);
  }
};

template <class Arch>
struct PlanarSource {
  using B = xsimd::batch<float, Arch>;
  const float* plane[3];

  void load(size_t x, B* s) const {
    for (size_t c = 0; c < 3; ++c) s[c] = B::load_unaligned(plane[c] + x);
  }
  void read(size_t x, float* s) const {
    for (size_t c = 0; c < 3; ++c) s[c] = plane[c][x];
  }
};

// rows[j] holds the 8 channels of column j; out[c·plane + j] = rows[j][c].
void transpose8x8(const float* const* rows, float* out, size_t plane) {
  __m256 r[8], t[8];
  for (size_t j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(rows[j]);
  for (size_t j = 0; j < 8; j += 2) {
    t[j] = _mm256_unpacklo_ps(r[j], r[j + 1]);
    t[j + 1] = _mm256_unpackhi_ps(r[j], r[j + 1]);
  }
  for (size_t j = 0; j < 8; j += 4) {
    r[j] = _mm256_shuffle_ps(t[j], t[j + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[j + 1] = _mm256_shuffle_ps(t[j], t[j + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[j + 2] = _mm256_shuffle_ps(t[j + 1], t[j + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[j + 3] = _mm256_shuffle_ps(t[j + 1], t[j + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (size_t c = 0; c < 4; ++c) {
    _mm256_storeu_ps(out + c * plane, _mm256_permute2f128_ps(r[c], r[c + 4], 0x20));
    _mm256_storeu_ps(out + (c + 4) * plane, _mm256_permute2f128_ps(r[c], r[c + 4], 0x31));
  }
}

}  // namespace

// Eight columns at a time: their eight source pixels are one 8×8 transpose away from planar.
template <class Arch>
void f32_guided_expand(size_t width, const float* row, const uint32_t* x0, const uint32_t* x1, float* out,
                       size_t plane) {
  const uint32_t* taps[2] = {x0, x1};
  for (size_t t = 0; t < 2; ++t) {
    const uint32_t* xt = taps[t];
    float* o = out + t * kGuidedChannels * plane;
    size_t x = 0;
    for (; x + 8 <= width; x += 8) {
      const float* rows[8];
      for (size_t j = 0; j < 8; ++j) rows[j] = row + xt[x + j] * kGuidedChannels;
      transpose8x8(rows, o + x, plane);
    }
    for (; x < width; ++x)
      for (size_t c = 0; c < kGuidedChannels; ++c) o[c * plane + x] = row[xt[x] * kGuidedChannels + c];
  }
}

template <class Arch>
void u8_guided_row(const GuidedRow& r, const uint8_t* src, bool bgr) {
  guided_row<Arch>(r, U8Source<Arch>{src, bgr}, bgr);
}

template <class Arch>
void f32_guided_row(const GuidedRow& r, const float* src_r, const float* src_g, const float* src_b) {
  guided_row<Arch>(r, PlanarSource<Arch>{{src_r, src_g, src_b}}, false);
}

}  // namespace simd

template <class Arch>
GuidedKernels guided_table() {
  return {simd::f32_guided_expand<Arch>, simd::u8_guided_row<Arch>, simd::f32_guided_row<Arch>};
}

template GuidedKernels guided_table<MATTE_ARCH>();

}  // namespace matte
