// Built once per ISA (MATTE_ARCH); see eltwise_simd.cpp. Built with -ffp-contract=off
// (kernels/CMakeLists.txt): every product and sum the code does not fuse explicitly rounds
// separately, as the scalar formulas and ONNX Runtime do. The guided epilogue interpolates with
// explicit fused multiply-adds, as f32_resize_bilinear does, so its output matches resizing [A | b]
// then applying the formula bit for bit; the coarse one fuses nothing, as ONNX Runtime does not.
#include <cmath>

#include "kernels/simd_lanes.hpp"
#include "kernels/simd_rgb8.hpp"
#include "kernels/u8_pixels.h"
#include "kernels/upsample_apply.h"

namespace matte {

namespace simd::inline MATTE_ISA_NAMESPACE {

namespace {

// Per epilogue: the interpolation, which channels alpha reads (the others make the foreground),
// whether alpha reads the source, and the formulas over vectors.
struct Guided {
  static constexpr Epilogue kEpilogue = Epilogue::guided;
  static constexpr bool kAlphaReadsSource = true;
  static constexpr bool for_alpha(size_t c) { return c % 4 == 3; }  // A3 and b3

  static float interpolate(float w00, float w01, float w10, float w11, float t0, float t1, float b0, float b1) {
    return std::fma(w11, b1, std::fma(w10, b0, std::fma(w01, t1, w00 * t0)));
  }
  template <class B>
  static B interpolate(B w00, B w01, B w10, B w11, B t0, B t1, B b0, B b1) {
    return fmadd(w11, b1, fmadd(w10, b0, fmadd(w01, t1, w00 * t0)));
  }
  template <class B>
  static B alpha(const B* ab, const B* s) {
    return clamp01(ab[3] * ((s[0] + s[1] + s[2]) / B(3.0f)) + ab[7]);
  }
  template <class B>
  static B foreground(const B* ab, const B* s, size_t c) {
    return clamp01(ab[c] * s[c] + ab[4 + c] + s[c]);
  }
};

struct Coarse {
  static constexpr Epilogue kEpilogue = Epilogue::coarse;
  static constexpr bool kAlphaReadsSource = false;
  static constexpr bool for_alpha(size_t c) { return c == 0; }

  template <class T>
  static T interpolate(T w00, T w01, T w10, T w11, T t0, T t1, T b0, T b1) {
    return w00 * t0 + w01 * t1 + w10 * b0 + w11 * b1;
  }
  template <class B>
  static B alpha(const B* v, const B*) {
    return clamp01(v[0]);
  }
  template <class B>
  static B foreground(const B* v, const B* s, size_t c) {
    return clamp01(v[1 + c] + s[c]);
  }
};

// Vectorised over the columns of the row; a width that is not a multiple of the vector ends with
// one vector overlapping the previous (same values written twice), a row narrower than a vector
// runs the scalar formula with the same operations. src.load(x, s) reads the RGB source of columns
// x.., src.read(x, s) that of column x. Alpha and Fg: whether alpha and the foreground are wanted
// in some form; the channels and arithmetic of the other are skipped.
template <class Arch, class E, bool Alpha, bool Fg, class Source>
void row_of(const UpsampleRow& r, const Source& src, bool bgr8) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t N = B::size, C = upsample_channels(E::kEpilogue);
  const size_t tap1 = C * r.plane;
  if (r.width < N) {
    for (size_t x = 0; x < r.width; ++x) {
      const float w00 = r.wx0[x] * r.wy0, w01 = r.wx1[x] * r.wy0, w10 = r.wx0[x] * r.wy1, w11 = r.wx1[x] * r.wy1;
      float v[C];
      for (size_t c = 0; c < C; ++c) {
        const float* t = r.top + c * r.plane + x;
        const float* b = r.bottom + c * r.plane + x;
        v[c] = E::interpolate(w00, w01, w10, w11, t[0], t[tap1], b[0], b[tap1]);
      }
      float s[3], alpha, fg[3];
      src.read(x, s);
      apply_epilogue(E::kEpilogue, v, s, alpha, fg);
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
    B v[C] = {};
    for (size_t c = 0; c < C; ++c) {
      if (!(E::for_alpha(c) ? Alpha : Fg)) continue;
      const float* t = r.top + c * r.plane + x;
      const float* b = r.bottom + c * r.plane + x;
      v[c] = E::interpolate(w00, w01, w10, w11, B::load_unaligned(t), B::load_unaligned(t + tap1), B::load_unaligned(b),
                            B::load_unaligned(b + tap1));
    }
    B s[3];
    if constexpr (Fg || E::kAlphaReadsSource) src.load(x, s);
    if constexpr (Alpha) {
      const B alpha = E::alpha(v, s);
      if (r.alpha) alpha.store_unaligned(r.alpha + x);
      if (r.alpha8) store_bytes<B>(r.alpha8 + x, to_u8_lanes(alpha));
    }
    if constexpr (Fg) {
      B fg[3];
      for (size_t c = 0; c < 3; ++c) {
        fg[c] = E::foreground(v, s, c);
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
void apply_row(const UpsampleRow& r, const Source& src, bool bgr8) {
  const bool alpha = r.alpha || r.alpha8, fg = r.foreground[0] || r.foreground8;
  const auto run = [&](auto e) {
    using E = decltype(e);
    if (alpha && fg) row_of<Arch, E, true, true>(r, src, bgr8);
    else if (alpha) row_of<Arch, E, true, false>(r, src, bgr8);
    else if (fg) row_of<Arch, E, false, true>(r, src, bgr8);
  };
  if (r.epilogue == Epilogue::guided) run(Guided{});
  else run(Coarse{});
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

// Planar float rows.
template <class Arch>
struct PlanarSource {
  using B = xsimd::batch<float, Arch>;
  F32SourceRow row;

  void load(size_t x, B* s) const {
    for (size_t c = 0; c < 3; ++c) s[c] = B::load_unaligned(row.rgb[c] + x);
  }
  void read(size_t x, float* s) const {
    for (size_t c = 0; c < 3; ++c) s[c] = row.rgb[c][x];
  }
};

// Interleaved float pixels (BGMv2's float input, six channels apart): gathered through the stack,
// this path only serves the float entry point.
template <class Arch>
struct StridedSource {
  using B = xsimd::batch<float, Arch>;
  F32SourceRow row;

  void load(size_t x, B* s) const {
    alignas(64) float lanes[3][B::size];
    for (size_t j = 0; j < B::size; ++j) read(x + j, &lanes[0][0] + j, B::size);
    for (size_t c = 0; c < 3; ++c) s[c] = B::load_aligned(lanes[c]);
  }
  void read(size_t x, float* s, size_t s_stride = 1) const {
    for (size_t c = 0; c < 3; ++c) s[c * s_stride] = row.rgb[c][x * row.pixel_stride];
  }
};

// rows[j] holds the first C (8 or 4) channels of column j; out[c·plane + j] = rows[j][c].
template <size_t C>
void to_planes(const float* const* rows, float* out, size_t plane) {
  if constexpr (C == 8) {
    __m256 r[8], t[8];
    for (size_t j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(rows[j]);
    transpose8x8(r, t);
    for (size_t c = 0; c < 8; ++c) _mm256_storeu_ps(out + c * plane, t[c]);
  } else {
    __m128 c0 = _mm_loadu_ps(rows[0]), c1 = _mm_loadu_ps(rows[1]), c2 = _mm_loadu_ps(rows[2]);
    __m128 c3 = _mm_loadu_ps(rows[3]);
    _MM_TRANSPOSE4_PS(c0, c1, c2, c3);
    _mm_storeu_ps(out, c0);
    _mm_storeu_ps(out + plane, c1);
    _mm_storeu_ps(out + 2 * plane, c2);
    _mm_storeu_ps(out + 3 * plane, c3);
  }
}

// C columns at a time: the first C channels of their C pixels are one C×C transpose from planar.
template <size_t C>
void expand(size_t width, const float* row, size_t pixel_stride, const uint32_t* x0, const uint32_t* x1, float* out,
            size_t plane) {
  const uint32_t* taps[2] = {x0, x1};
  for (size_t t = 0; t < 2; ++t) {
    const uint32_t* xt = taps[t];
    float* o = out + t * C * plane;
    size_t x = 0;
    for (; x + C <= width; x += C) {
      const float* rows[C];
      for (size_t j = 0; j < C; ++j) rows[j] = row + xt[x + j] * pixel_stride;
      to_planes<C>(rows, o + x, plane);
    }
    for (; x < width; ++x)
      for (size_t c = 0; c < C; ++c) o[c * plane + x] = row[xt[x] * pixel_stride + c];
  }
}

}  // namespace

template <class Arch>
void f32_upsample_expand(Epilogue e, size_t width, const float* row, size_t pixel_stride, const uint32_t* x0,
                         const uint32_t* x1, float* out, size_t plane) {
  if (e == Epilogue::guided) expand<upsample_channels(Epilogue::guided)>(width, row, pixel_stride, x0, x1, out, plane);
  else expand<upsample_channels(Epilogue::coarse)>(width, row, pixel_stride, x0, x1, out, plane);
}

template <class Arch>
void u8_upsample_apply_row(const UpsampleRow& r, const uint8_t* src, bool bgr) {
  apply_row<Arch>(r, U8Source<Arch>{src, bgr}, bgr);
}

template <class Arch>
void f32_upsample_apply_row(const UpsampleRow& r, const F32SourceRow& src) {
  if (src.pixel_stride == 1) apply_row<Arch>(r, PlanarSource<Arch>{src}, false);
  else apply_row<Arch>(r, StridedSource<Arch>{src}, false);
}

}  // namespace simd

template <class Arch>
UpsampleApplyKernels upsample_apply_table() {
  return {.f32_upsample_expand = simd::f32_upsample_expand<Arch>,
          .u8_upsample_apply_row = simd::u8_upsample_apply_row<Arch>,
          .f32_upsample_apply_row = simd::f32_upsample_apply_row<Arch>};
}

template UpsampleApplyKernels upsample_apply_table<MATTE_ARCH>();

}  // namespace matte
