// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp. Built with -ffp-contract=off
// (kernels/CMakeLists.txt): the interpolation and r + s round every product and sum separately,
// as the reference and ONNX Runtime do.
#include "kernels/coarse_up.h"
#include "kernels/simd_rgb8.hpp"
#include "kernels/u8_pixels.h"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

// Vectorised over the columns of the row, the last vector overlapping the previous one when the
// width is not a multiple of it; a row narrower than a vector runs the scalar formula with the
// same operations. src.load(x, s) reads the RGB source of columns x.., src.read(x, s) that of x.
// Alpha and Fg: whether alpha and the foreground are wanted in some form; the channels and
// arithmetic of the other are skipped.
template <class Arch, bool Alpha, bool Fg, class Source>
void coarse_up_row_of(const CoarseUpRow& r, const Source& src, bool bgr8) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t N = B::size;
  const size_t tap1 = kCoarseUpChannels * r.plane;
  if (r.width < N) {
    for (size_t x = 0; x < r.width; ++x) {
      const float w00 = r.wx0[x] * r.wy0, w01 = r.wx1[x] * r.wy0, w10 = r.wx0[x] * r.wy1, w11 = r.wx1[x] * r.wy1;
      float v[kCoarseUpChannels];
      for (size_t c = 0; c < kCoarseUpChannels; ++c) {
        const float* t = r.top + c * r.plane + x;
        const float* b = r.bottom + c * r.plane + x;
        v[c] = w00 * t[0] + w01 * t[tap1] + w10 * b[0] + w11 * b[tap1];
      }
      float s[3], alpha, fg[3];
      src.read(x, s);
      coarse_up_apply(v, s, alpha, fg);
      if (r.alpha) r.alpha[x] = alpha;
      if (r.alpha8) r.alpha8[x] = to_u8(alpha);
      for (size_t c = 0; c < 3; ++c) {
        if (r.foreground[0]) r.foreground[c][x] = fg[c];
        if (r.foreground8) r.foreground8[3 * x + (bgr8 ? 2 - c : c)] = to_u8(fg[c]);
      }
    }
    return;
  }
  const B wy0(r.wy0), wy1(r.wy1);
  const auto columns = [&](size_t x) {
    const B wx0 = B::load_unaligned(r.wx0 + x), wx1 = B::load_unaligned(r.wx1 + x);
    const B w00 = wx0 * wy0, w01 = wx1 * wy0, w10 = wx0 * wy1, w11 = wx1 * wy1;
    B v[kCoarseUpChannels] = {};
    for (size_t c = Alpha ? 0 : 1; c < (Fg ? kCoarseUpChannels : 1); ++c) {
      const float* t = r.top + c * r.plane + x;
      const float* b = r.bottom + c * r.plane + x;
      v[c] = w00 * B::load_unaligned(t) + w01 * B::load_unaligned(t + tap1) + w10 * B::load_unaligned(b) +
             w11 * B::load_unaligned(b + tap1);
    }
    if constexpr (Alpha) {
      const B alpha = clamp01(v[0]);
      if (r.alpha) alpha.store_unaligned(r.alpha + x);
      if (r.alpha8) store_bytes<B>(r.alpha8 + x, to_u8_lanes(alpha));
    }
    if constexpr (Fg) {
      B s[3], fg[3];
      src.load(x, s);
      for (size_t c = 0; c < 3; ++c) {
        fg[c] = clamp01(v[1 + c] + s[c]);
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
void coarse_up_row(const CoarseUpRow& r, const Source& src, bool bgr8) {
  const bool alpha = r.alpha || r.alpha8, fg = r.foreground[0] || r.foreground8;
  if (alpha && fg) coarse_up_row_of<Arch, true, true>(r, src, bgr8);
  else if (alpha) coarse_up_row_of<Arch, true, false>(r, src, bgr8);
  else if (fg) coarse_up_row_of<Arch, false, true>(r, src, bgr8);
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

// Interleaved float pixels (the network's float input, six channels apart): gathered through the
// stack, this path only serves the float entry point.
template <class Arch>
struct StridedSource {
  using B = xsimd::batch<float, Arch>;
  const float* p;
  size_t stride;

  void load(size_t x, B* s) const {
    alignas(64) float lanes[3][B::size];
    for (size_t j = 0; j < B::size; ++j) read(x + j, &lanes[0][0] + j, B::size);
    for (size_t c = 0; c < 3; ++c) s[c] = B::load_aligned(lanes[c]);
  }
  void read(size_t x, float* s, size_t s_stride = 1) const {
    for (size_t c = 0; c < 3; ++c) s[c * s_stride] = p[x * stride + c];
  }
};

}  // namespace

// Four columns at a time: their four pixels' first channels are one 4×4 transpose from planar.
template <class Arch>
void f32_coarse_up_expand(size_t width, const float* row, size_t pixel_stride, const uint32_t* x0, const uint32_t* x1,
                          float* out, size_t plane) {
  const uint32_t* taps[2] = {x0, x1};
  for (size_t t = 0; t < 2; ++t) {
    const uint32_t* xt = taps[t];
    float* o = out + t * kCoarseUpChannels * plane;
    size_t x = 0;
    for (; x + 4 <= width; x += 4) {
      __m128 c0 = _mm_loadu_ps(row + xt[x] * pixel_stride), c1 = _mm_loadu_ps(row + xt[x + 1] * pixel_stride);
      __m128 c2 = _mm_loadu_ps(row + xt[x + 2] * pixel_stride), c3 = _mm_loadu_ps(row + xt[x + 3] * pixel_stride);
      _MM_TRANSPOSE4_PS(c0, c1, c2, c3);
      _mm_storeu_ps(o + x, c0);
      _mm_storeu_ps(o + plane + x, c1);
      _mm_storeu_ps(o + 2 * plane + x, c2);
      _mm_storeu_ps(o + 3 * plane + x, c3);
    }
    for (; x < width; ++x)
      for (size_t c = 0; c < kCoarseUpChannels; ++c) o[c * plane + x] = row[xt[x] * pixel_stride + c];
  }
}

template <class Arch>
void u8_coarse_up_row(const CoarseUpRow& r, const uint8_t* src, bool bgr) {
  coarse_up_row<Arch>(r, U8Source<Arch>{src, bgr}, bgr);
}

template <class Arch>
void f32_coarse_up_row(const CoarseUpRow& r, const float* src, size_t src_stride) {
  coarse_up_row<Arch>(r, StridedSource<Arch>{src, src_stride}, false);
}

}  // namespace simd

template <class Arch>
CoarseUpKernels coarse_up_table() {
  return {simd::f32_coarse_up_expand<Arch>, simd::u8_coarse_up_row<Arch>, simd::f32_coarse_up_row<Arch>};
}

template CoarseUpKernels coarse_up_table<MATTE_ARCH>();

}  // namespace matte
